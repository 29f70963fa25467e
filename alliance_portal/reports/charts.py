"""The dashboard's chart drawn on the server as SVG: no JavaScript, nothing from a CDN.

Stacked bars of requests per month, one colour per state, with a legend, a
<title> and <desc> for screen readers; the template puts the same numbers in a
table below it.
"""

import math

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from requests.models import SupportRequest

# GOV.UK palette colours, one per state; open states first, closed ones in greys and warm tones.
STATE_COLOURS = {
    SupportRequest.Status.NEW: "#1d70b8",
    SupportRequest.Status.TRIAGED: "#5694ca",
    SupportRequest.Status.MATCHING: "#912b88",
    SupportRequest.Status.PROPOSED: "#d53880",
    SupportRequest.Status.AGREED: "#00703c",
    SupportRequest.Status.IN_DELIVERY: "#85994b",
    SupportRequest.Status.COMPLETED: "#28a197",
    SupportRequest.Status.EVALUATED: "#003078",
    SupportRequest.Status.WITHDRAWN: "#b1b4b6",
    SupportRequest.Status.DECLINED: "#d4351c",
    SupportRequest.Status.NO_MATCH: "#f47738",
    SupportRequest.Status.LAPSED: "#505a5f",
}

WIDTH = 760
PLOT_LEFT, PLOT_TOP, PLOT_BOTTOM = 48, 16, 250
BAR_GAP = 10
LEGEND_TOP = 290
LEGEND_COLUMNS = 4
LEGEND_ROW_HEIGHT = 22


def nice_step(largest, ticks=5):
    """A round gridline step (1, 2, 5 times a power of ten) showing `largest` in about `ticks`."""
    if largest <= ticks:
        return 1
    rough = largest / ticks
    power = 10 ** math.floor(math.log10(rough))
    for multiple in (1, 2, 5, 10):
        if multiple * power >= rough:
            return multiple * power
    return 10 * power  # pragma: no cover


def month_label(month):
    return month.strftime("%b %Y")


def requests_per_month_svg(months):
    """An SVG of `months` (MonthOfRequests, oldest first) as stacked bars per state."""
    statuses = list(SupportRequest.Status)
    largest = max((month.total for month in months), default=0)
    step = nice_step(largest)
    top = max(step, math.ceil(largest / step) * step)
    plot_height = PLOT_BOTTOM - PLOT_TOP
    plot_width = WIDTH - PLOT_LEFT - 8
    slot = plot_width / max(len(months), 1)
    bar_width = slot - BAR_GAP
    legend_rows = math.ceil(len(statuses) / LEGEND_COLUMNS)
    height = LEGEND_TOP + legend_rows * LEGEND_ROW_HEIGHT

    def y(value):
        return PLOT_BOTTOM - value * plot_height / top

    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="requests-chart" viewBox="0 0 {} {}" '
            'width="100%" role="img" aria-labelledby="requests-chart-title requests-chart-desc" '
            'font-family="sans-serif" font-size="12">',
            WIDTH,
            height,
        ),
        '<title id="requests-chart-title">Requests per month by state</title>',
        format_html(
            '<desc id="requests-chart-desc">Stacked bars: support requests created in each '
            "month from {} to {}, split by the state each request is in now; {} requests in "
            "all. The table below the chart gives the same numbers.</desc>",
            month_label(months[0].month) if months else "",
            month_label(months[-1].month) if months else "",
            sum(month.total for month in months),
        ),
    ]

    # Gridlines and the value axis.
    parts.append('<g class="axis" aria-hidden="true">')
    for value in range(0, top + 1, step):
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#b1b4b6" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end" fill="#0b0c0c">{}</text>',
                PLOT_LEFT,
                WIDTH - 8,
                _number(y(value)),
                _number(y(value)),
                PLOT_LEFT - 6,
                _number(y(value) + 4),
                value,
            )
        )
    parts.append("</g>")

    # One group of stacked bars per month.
    for index, month in enumerate(months):
        x = PLOT_LEFT + index * slot + BAR_GAP / 2
        parts.append(
            format_html(
                '<g class="bar-group" data-month="{}"><title>{}: {} requests</title>',
                month.month.isoformat()[:7],
                month_label(month.month),
                month.total,
            )
        )
        base = 0
        for status in statuses:
            count = month.counts.get(status.value, 0)
            if not count:
                continue
            parts.append(
                format_html(
                    '<rect class="bar" data-status="{}" x="{}" y="{}" width="{}" height="{}" '
                    'fill="{}"><title>{}, {}: {}</title></rect>',
                    status.value,
                    _number(x),
                    _number(y(base + count)),
                    _number(bar_width),
                    _number(y(base) - y(base + count)),
                    STATE_COLOURS[status],
                    month_label(month.month),
                    status.label,
                    count,
                )
            )
            base += count
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" fill="#0b0c0c">{}</text></g>',
                _number(x + bar_width / 2),
                PLOT_BOTTOM + 16,
                month.month.strftime("%b %y"),
            )
        )

    # The legend, in rows of four.
    parts.append('<g class="legend">')
    column_width = (WIDTH - PLOT_LEFT) / LEGEND_COLUMNS
    for index, status in enumerate(statuses):
        row, column = divmod(index, LEGEND_COLUMNS)
        x = PLOT_LEFT + column * column_width
        top_of_row = LEGEND_TOP + row * LEGEND_ROW_HEIGHT
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="14" height="14" fill="{}"/>'
                '<text x="{}" y="{}" fill="#0b0c0c">{}</text>',
                _number(x),
                top_of_row,
                STATE_COLOURS[status],
                _number(x + 20),
                top_of_row + 11,
                status.label,
            )
        )
    parts.append("</g></svg>")
    return mark_safe("".join(str(part) for part in parts))  # every value went through format_html


def _number(value):
    """Coordinates with at most one decimal, as SVG needs no more."""
    return f"{value:.1f}".rstrip("0").rstrip(".")
