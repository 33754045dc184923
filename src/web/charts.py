"""Charts as SVG drawn on the server by pygal, shown as `<img src=….svg>` beside a table of the same numbers.

pygal's SVG carries a `<style>` of its own (and a configuration script): as an
image it runs no script and loads nothing, and its answer has a policy of its
own (`CHART_CSP`) that admits only its inline style, so the pages' policy
stays `default-src 'self'` without inline code. The chart prints and needs no
JavaScript; the table next to it carries the numbers for a screen reader.
"""

from __future__ import annotations

from datetime import date

import pygal
from babel.dates import format_date
from pygal.style import Style

# An image runs no script; opened on its own, the SVG may style itself and nothing else.
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

# The Medemblik theme's colours (static/medemblik.css), and the system font the pages use.
_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#595959",
    colors=("#00508c",),
    font_family="'Liberation Sans', Arial, sans-serif",
    label_font_size=14,
    major_label_font_size=14,
    value_font_size=14,
    title_font_size=18,
)


def monthly_chart(months: list[tuple[date, int]], *, title: str, language: str) -> str:
    """A bar chart of a headcount per month (the first day of each), labelled in `language`."""
    chart = pygal.Bar(
        style=_STYLE,
        title=title,
        show_legend=False,
        print_values=True,
        js=[],  # no script from another host (pygal's default loads its tooltips from one)
        disable_xml_declaration=True,
        width=900,
        height=400,
        x_label_rotation=0,
        truncate_label=-1,
    )
    chart.x_labels = [format_date(day, format="MMM yy", locale=language) for day, _count in months]
    chart.add(title, [count for _day, count in months])
    rendered: str = chart.render(is_unicode=True)
    return rendered
