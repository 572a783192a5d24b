"""Server-rendered SVG bar charts: geometry computed here, drawn by a template.

Amounts in different currencies are never put on one scale: each currency gets
its own chart, bars scaled to the largest total in that currency.
"""

from itertools import groupby

from .jinja2 import short_amount

WIDTH = 480
LABEL_WIDTH = 130
BAR_AREA = 210
ROW_HEIGHT = 34
BAR_HEIGHT = 20
PADDING = 8


def pledge_charts(rows):
    """``rows``: dicts with currency, donor__name, total, count, ordered by currency."""
    charts = []
    for currency, group in groupby(rows, key=lambda row: row["currency"]):
        group = list(group)
        largest = max(row["total"] for row in group)
        bars = []
        for index, row in enumerate(group):
            share = float(row["total"] / largest) if largest else 0.0
            width = max(2, round(BAR_AREA * share))
            y = PADDING + index * ROW_HEIGHT
            bars.append(
                {
                    "label": row["donor__name"],
                    "code": row["donor__code"],
                    "value": f"{currency} {short_amount(row['total'])}",
                    "count": row["count"],
                    "y": y,
                    "bar_y": y + (ROW_HEIGHT - BAR_HEIGHT) // 2,
                    "text_y": y + ROW_HEIGHT // 2 + 5,
                    "width": width,
                    "value_x": LABEL_WIDTH + width + 8,
                }
            )
        charts.append(
            {
                "currency": currency,
                "bars": bars,
                "width": WIDTH,
                "height": 2 * PADDING + len(bars) * ROW_HEIGHT,
                "label_x": LABEL_WIDTH - 10,
                "bar_x": LABEL_WIDTH,
                "bar_height": BAR_HEIGHT,
            }
        )
    return charts
