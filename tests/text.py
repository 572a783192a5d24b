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
