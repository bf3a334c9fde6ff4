"""Charts drawn on the server: plain functions from values to SVG markup, each paired with its data table.

No JavaScript library and nothing from a CDN: the SVG is part of the page, so it prints, works offline and
takes the theme's colours. Every colour is a CSS class styled in admin.css through the site's custom
properties (``--accent``, ``--ink``, ``--line``), so dark mode needs nothing here. The markup is built with
lxml, which escapes every label, and each chart comes with a table of the same values for screen readers
(the SVG is one labelled image; the table holds the numbers).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lxml import etree

SVG_NS = "http://www.w3.org/2000/svg"

#: The daily chart's drawing box (SVG user units; the image scales to its container's width).
DAILY_WIDTH, DAILY_HEIGHT = 600, 280
#: Room for the axis labels around the plot area of the daily chart.
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 16, 40, 52
#: The top-apps chart: the height of one bar's row and the width kept for the app names.
BAR_ROW, BAR_LABEL_WIDTH, BAR_WIDTH = 34, 190, 560


@dataclass(frozen=True)
class Chart:
    """One chart: its SVG image and the table of the same values (both HTML fragments, escaped)."""

    svg: str
    table: str


def nice_ticks(highest: int, count: int = 4) -> list[int]:
    """Round axis ticks from 0 to at least ``highest`` (1, 2 or 5 times a power of ten apart).

    Args:
        highest: the largest value the axis must show.
        count: about how many steps above 0.

    Returns:
        The tick values, starting at 0 and ending at or above ``highest`` (``[0, 1]`` for an empty chart).
    """
    if highest <= 0:
        return [0, 1]
    raw = highest / count
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(f * power for f in (1, 2, 5, 10) if f * power >= raw)
    step = max(int(step), 1)
    return [step * n for n in range(math.ceil(highest / step) + 1)]


def _svg(width: int, height: int, title: str, chart_id: str, css_class: str) -> etree._Element:
    root = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS}, attrib={
        "viewBox": f"0 0 {width} {height}", "role": "img", "class": f"chart {css_class}",
        "aria-labelledby": f"{chart_id}-title", "id": chart_id, "preserveAspectRatio": "xMidYMid meet",
    })
    etree.SubElement(root, f"{{{SVG_NS}}}title", id=f"{chart_id}-title").text = title
    return root


def _add(parent: etree._Element, tag: str, text: str | None = None, **attrib) -> etree._Element:
    names = {key.rstrip("_").replace("_", "-"): str(value) for key, value in attrib.items()}  # class_, text_anchor
    element = etree.SubElement(parent, f"{{{SVG_NS}}}{tag}", names)
    if text is not None:
        element.text = text
    return element


def _markup(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode")


def _table(caption: str, headings: Sequence[str], rows: Sequence[Sequence[object]], table_id: str) -> str:
    """An HTML table (phone cards: each cell labelled by its column) with a caption naming the chart."""
    table = etree.Element("table", {"class": "admin-table stats-table chart-table", "id": table_id})
    etree.SubElement(table, "caption").text = caption
    head = etree.SubElement(etree.SubElement(table, "thead"), "tr")
    for index, heading in enumerate(headings):
        etree.SubElement(head, "th", scope="col", **({"class": "number"} if index else {})).text = heading
    body = etree.SubElement(table, "tbody")
    for row in rows:
        line = etree.SubElement(body, "tr")
        for heading, value in zip(headings, row):
            cell = etree.SubElement(line, "td", {"data-label": heading})
            cell.text = f"{value:,}" if isinstance(value, int) else str(value)
            if isinstance(value, int):
                cell.set("class", "number")
    return etree.tostring(table, encoding="unicode", method="html")


def _date_labels(days: Sequence[date], slots: int = 6) -> list[int]:
    """Indexes of the days whose date is written under the axis: the first, the last and a few between."""
    if len(days) <= slots:
        return list(range(len(days)))
    step = (len(days) - 1) / (slots - 1)
    return sorted({round(i * step) for i in range(slots)})


def daily_chart(series: Sequence[tuple[date, int]], title: str, chart_id: str = "daily-chart",
                heading: str = "Downloads per day") -> Chart:
    """Downloads per day as a bar chart with both axes labelled, and the same days as a table.

    Args:
        series: (UTC day, downloads) in day order, every day of the range present (zeros included).
        title: what the chart shows ("Downloads per day, 1-30 November 2026"): the image's accessible name
            and the table's caption.
        chart_id: the SVG's id (its title's id and the table's are derived from it).
        heading: the title written in the image, short enough for a phone (the page's heading gives the range).

    Returns:
        The chart: its SVG and its table.
    """
    svg = _svg(DAILY_WIDTH, DAILY_HEIGHT, title, chart_id, "chart-daily")
    plot_width, plot_height = DAILY_WIDTH - _LEFT - _RIGHT, DAILY_HEIGHT - _TOP - _BOTTOM
    bottom = _TOP + plot_height
    ticks = nice_ticks(max((value for _, value in series), default=0))
    top_value = ticks[-1]
    _add(svg, "text", heading, x=_LEFT, y=22, class_="chart-title")
    for tick in ticks:
        y = bottom - plot_height * tick / top_value
        _add(svg, "line", x1=_LEFT, x2=DAILY_WIDTH - _RIGHT, y1=f"{y:.1f}", y2=f"{y:.1f}", class_="chart-grid")
        _add(svg, "text", f"{tick:,}", x=_LEFT - 8, y=f"{y + 4:.1f}", class_="chart-label", text_anchor="end")
    _add(svg, "text", "Downloads", class_="chart-axis-title", text_anchor="middle",
         transform=f"translate(16 {_TOP + plot_height / 2:.0f}) rotate(-90)")
    slot = plot_width / max(len(series), 1)
    bars = _add(svg, "g", class_="chart-bars")
    for index, (day, value) in enumerate(series):
        height = plot_height * value / top_value
        bar = _add(bars, "rect", x=f"{_LEFT + index * slot + slot * 0.1:.1f}", y=f"{bottom - height:.1f}",
                   width=f"{max(slot * 0.8, 0.5):.1f}", height=f"{height:.1f}", class_="chart-bar")
        _add(bar, "title", f"{day.isoformat()}: {value:,}")
    days = [day for day, _ in series]
    labelled = _date_labels(days)
    for index in labelled:
        # The first and last labels line up with the plot's edges, so neither runs past the image.
        anchor = "start" if index == 0 and len(labelled) > 1 else "end" if index == labelled[-1] and index else "middle"
        x = _LEFT if anchor == "start" else DAILY_WIDTH - _RIGHT if anchor == "end" else _LEFT + (index + .5) * slot
        _add(svg, "text", days[index].strftime("%d %b"), x=f"{x:.1f}", y=bottom + 18, class_="chart-label",
             text_anchor=anchor)
    _add(svg, "line", x1=_LEFT, x2=DAILY_WIDTH - _RIGHT, y1=bottom, y2=bottom, class_="chart-axis")
    _add(svg, "line", x1=_LEFT, x2=_LEFT, y1=_TOP, y2=bottom, class_="chart-axis")
    _add(svg, "text", "Day (UTC)", x=_LEFT + plot_width / 2, y=DAILY_HEIGHT - 8, class_="chart-axis-title",
         text_anchor="middle")
    table = _table(title, ("Day (UTC)", "Downloads"), [(day.isoformat(), value) for day, value in series],
                   f"{chart_id}-table")
    return Chart(svg=_markup(svg), table=table)


def bar_chart(items: Sequence[tuple[str, int]], title: str, label_heading: str,
              chart_id: str = "bar-chart", heading: str | None = None) -> Chart:
    """A small horizontal bar chart (top apps, countries), each bar named and numbered, and its table.

    Args:
        items: (name, downloads), largest first.
        title: the image's accessible name and the table's caption.
        label_heading: the table's first column ("App", "Country").
        chart_id: the SVG's id.
        heading: the title written in the image (default ``title``).

    Returns:
        The chart: its SVG and its table.
    """
    height = 36 + BAR_ROW * max(len(items), 1)
    svg = _svg(BAR_WIDTH, height, title, chart_id, "chart-bars-horizontal")
    _add(svg, "text", heading or title, x=0, y=20, class_="chart-title")
    highest = max((value for _, value in items), default=0) or 1
    room = BAR_WIDTH - BAR_LABEL_WIDTH - 70
    for index, (name, value) in enumerate(items):
        y = 36 + index * BAR_ROW
        _add(svg, "text", name, x=BAR_LABEL_WIDTH - 8, y=y + 19, class_="chart-label", text_anchor="end")
        width = room * value / highest
        _add(svg, "rect", x=BAR_LABEL_WIDTH, y=y + 4, width=f"{max(width, 1):.1f}", height=BAR_ROW - 10,
             class_="chart-bar")
        _add(svg, "text", f"{value:,}", x=f"{BAR_LABEL_WIDTH + width + 6:.1f}", y=y + 19, class_="chart-label")
    if not items:
        _add(svg, "text", "No downloads in this range.", x=0, y=56, class_="chart-label")
    table = _table(title, (label_heading, "Downloads"), list(items), f"{chart_id}-table")
    return Chart(svg=_markup(svg), table=table)
