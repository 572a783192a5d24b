"""The pledges page's chart: totals per donor (or per year) within each currency.

Amounts in different currencies are never put on one scale: each currency is a
group of its own, its bars scaled to the largest total in that currency. The
chart is a table (the figures are text, at the page's own size at any width);
each bar is a small SVG drawn by ``includes/pledge_chart.html``.
"""

from itertools import groupby


def pledge_chart(totals, rows, *, by="donor"):
    """One group per currency: its ``total`` and ``count`` (from ``totals``, rows
    of ``selectors.pledge_totals``) and its ``bars``, one per row of ``rows``
    (``selectors.pledge_totals_by_donor`` or ``_by_year``, ordered by currency),
    each with ``share``, its length in percent of the currency's largest."""
    per_currency = {row["currency"]: row for row in totals}
    groups = []
    for currency, group in groupby(rows, key=lambda row: row["currency"]):
        group = list(group)
        largest = max(row["total"] for row in group)
        bars = [
            {
                "label": row["donor__name"] if by == "donor" else row["year"],
                "key": row["donor__code"].lower() if by == "donor" else row["year"],
                "total": row["total"],
                "count": row["count"],
                # A bar for an amount of 0 or next to nothing is still seen.
                "share": max(0.5, round(float(row["total"] / largest) * 100, 1))
                if largest
                else 0.5,
            }
            for row in group
        ]
        groups.append(
            {
                "currency": currency,
                "total": per_currency[currency]["total"],
                "count": per_currency[currency]["count"],
                "bars": bars,
            }
        )
    return groups
