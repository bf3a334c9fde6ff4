"""The server-drawn charts: SVG that parses, with a title and labelled axes, and a table of the same values."""
from __future__ import annotations

from datetime import date, timedelta

import lxml.html
import pytest
from lxml import etree

from podcaster.content.analytics.charts import bar_chart, daily_chart, nice_ticks

SVG = {"s": "http://www.w3.org/2000/svg"}
SERIES = [(date(2026, 11, 1) + timedelta(days=n), n * 7 % 23) for n in range(30)]


def table_rows(markup: str) -> list[list[str]]:
    table = lxml.html.fragment_fromstring(markup)
    return [[cell.text_content() for cell in row.xpath("td")] for row in table.xpath("tbody/tr")]


@pytest.mark.parametrize("highest, ticks", [(0, [0, 1]), (1, [0, 1]), (3, [0, 1, 2, 3]), (7, [0, 2, 4, 6, 8]),
                                            (123, [0, 50, 100, 150]), (1000, [0, 500, 1000])])
def test_axis_ticks_are_round_and_reach_the_highest_value(highest, ticks):
    assert nice_ticks(highest) == ticks


def test_daily_chart_is_a_titled_image_with_labelled_axes_and_one_bar_per_day():
    chart = daily_chart(SERIES, "Downloads per day <November>", chart_id="show-days")
    svg = etree.fromstring(chart.svg)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "show-days-title"
    assert svg.xpath("string(s:title[@id='show-days-title'])", namespaces=SVG) == "Downloads per day <November>"
    labels = svg.xpath("s:text/text()", namespaces=SVG)
    assert {"Downloads", "Day (UTC)"} <= set(labels)
    assert "01 Nov" in labels and "30 Nov" in labels
    assert {"0", "10", "20", "30"} <= set(labels) and "22" not in labels  # round ticks past the highest (22)
    bars = svg.xpath("s:g[@class='chart-bars']/s:rect", namespaces=SVG)
    assert len(bars) == 30
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[0] == 0 and heights.index(max(heights)) == [v for _, v in SERIES].index(22)
    assert bars[3].xpath("string(s:title)", namespaces=SVG) == "2026-11-04: 21"


def test_daily_chart_table_holds_the_same_values():
    chart = daily_chart(SERIES, "Downloads per day", chart_id="days")
    table = lxml.html.fragment_fromstring(chart.table)
    assert table.xpath("string(caption)") == "Downloads per day"
    assert table.xpath("thead/tr/th/text()") == ["Day (UTC)", "Downloads"]
    assert table_rows(chart.table) == [[day.isoformat(), str(value)] for day, value in SERIES]


def test_bar_chart_names_and_numbers_each_bar_largest_longest():
    items = [("Apple Podcasts", 1200), ("Spotify", 300), ("Other", 1)]
    chart = bar_chart(items, "Top apps", "App", chart_id="apps")
    svg = etree.fromstring(chart.svg)
    widths = [float(bar.get("width")) for bar in svg.xpath("s:rect", namespaces=SVG)]
    assert widths == sorted(widths, reverse=True) and widths[0] > 10 * widths[1] / 4
    texts = svg.xpath("s:text/text()", namespaces=SVG)
    assert {"Apple Podcasts", "1,200", "Spotify", "300"} <= set(texts)
    assert table_rows(chart.table) == [["Apple Podcasts", "1,200"], ["Spotify", "300"], ["Other", "1"]]


def test_empty_charts_still_parse_and_say_so():
    empty = bar_chart([], "Top apps", "App")
    assert "No downloads in this range." in etree.fromstring(empty.svg).xpath("s:text/text()", namespaces=SVG)
    assert table_rows(empty.table) == []
    days = daily_chart([(date(2026, 1, 1), 0)], "One day")
    assert etree.fromstring(days.svg).xpath("count(s:g/s:rect)", namespaces=SVG) == 1
