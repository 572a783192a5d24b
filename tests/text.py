"""What a page says, for tests that compare text.

Escaping writes ``'`` and ``"`` as entities whose spelling is the template
engine's choice (``&#39;`` in Jinja2, ``&#x27;`` in Django's templates): tests
compare the text, not that spelling. ``<``, ``>`` and ``&`` stay escaped, so that a
test of escaping still sees them.
"""

import re

QUOTES = {"&#39;": "'", "&#x27;": "'", "&#34;": '"', "&quot;": '"'}


def page_text(page):
    """A response's (or an HTML string's) HTML, quotes written as characters."""
    html = page if isinstance(page, str) else page.getvalue().decode()
    return re.sub("|".join(QUOTES), lambda match: QUOTES[match.group()], html)


def text_only(html):
    """The text of an HTML fragment, spaces run together."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def chart_rows(page):
    """The pledges chart's rows (includes/pledge_chart.html), as a visitor reads
    them: ``(label, total, pledges, bar length in percent or None)``."""
    chart = page_text(page).split('<table class="bar-table">')[1].split("</table>")[0]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", chart.split("</thead>")[1], re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        bar = re.search(r'<rect class="bar" width="([\d.]+)"', row)
        rows.append(
            (*(text_only(cell) for cell in cells), float(bar[1]) if bar else None)
        )
    return rows
