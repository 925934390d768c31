"""Charts drawn on the server as SVG with pygal (LGPL-3.0-or-later), to put inline in a page.

A chart works without JavaScript, in the static export and under a Content-Security-Policy
that allows no inline script or style: pygal's own <script> (its configuration for the
optional pygal.js) and <style> are taken out of the drawing, and what the style sheet
did is set as SVG presentation attributes (which are not CSS). Each point keeps pygal's
<desc class="value"> and <desc class="x_label">, so a test reads the chart's numbers
from the DOM. A missing value (None) is drawn as no point: blank stays blank, never 0.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence

import pygal
from markupsafe import Markup

# Importing pygal appends to sys.meta_path a finder of its map plugins (pygal.maps.*) that has only the
# find_module of Python < 3.4: on 3.11 every import that no other finder resolves then raises an ImportWarning
# (an error under the tests' warnings-as-errors, seen in rdflib's plugin imports). No map is drawn here.
sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, pygal.PluginImportFixer)]

COLOUR = "#1f5f9f"
#: Presentation attributes by the class an element carries (the first class in this order that it has wins).
LOOKS: tuple[tuple[str, dict[str, str]], ...] = (
    ("background", {"fill": "#ffffff"}),
    ("data", {"stroke": COLOUR, "stroke-width": "2", "fill": "none"}),
    ("guide", {"stroke": "#dddddd", "fill": "none"}),
    ("dot", {"fill": COLOUR, "stroke": COLOUR}),
    ("line", {"stroke": "#555555", "fill": "none"}),
)


def line_chart(title: str, labels: Sequence[str], values: Sequence[int | None], chart_id: str) -> Markup:
    """An SVG line chart of `values` over `labels` (one point per value; None: no point)."""
    chart = pygal.Line(
        js=[],
        disable_xml_declaration=True,
        allow_interruptions=True,
        show_legend=False,
        include_x_axis=True,
        width=720,
        height=320,
        dots_size=4,
        value_formatter=_formatted,
    )
    return _one_series(chart, title, labels, values, chart_id)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float | None], chart_id: str) -> Markup:
    """An SVG bar chart of `values` over `labels` (one bar per value; None: no bar)."""
    chart = pygal.Bar(
        js=[],
        disable_xml_declaration=True,
        show_legend=False,
        width=720,
        height=320,
        x_label_rotation=30,
        truncate_label=24,
        value_formatter=_formatted,
    )
    return _one_series(chart, title, labels, values, chart_id)


def _one_series(
    chart: pygal.graph.graph.Graph, title: str, labels: Sequence[str], values: Sequence[float | None], chart_id: str
) -> Markup:
    """`chart` drawn with one series, `values` over `labels`, made plain (_plain)."""
    chart.x_labels = list(labels)
    chart.add(title, list(values))
    root = chart.render_tree()
    _plain(root, chart_id, title)
    return Markup(ET.tostring(root, encoding="unicode"))


#: The colours of a stacked chart's series, in order (distinct for the common colour-vision deficiencies).
PALETTE = ("#1f5f9f", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7f7f7f", "#f0e442")


def ranking_chart(title: str, labels: Sequence[str], values: Sequence[int | None], chart_id: str) -> Markup:
    """An SVG horizontal bar chart of `values` by `labels`, one bar a line (None: no bar, blank stays blank)."""
    chart = pygal.HorizontalBar(
        js=[],
        disable_xml_declaration=True,
        show_legend=False,
        width=720,
        height=max(320, 40 + 28 * len(labels)),
        truncate_label=-1,
        value_formatter=_formatted,
    )
    chart.x_labels = list(labels)
    chart.add(title, list(values))
    return _drawn(chart, chart_id, title)


def stacked_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int | None]]], chart_id: str
) -> Markup:
    """An SVG stacked bar chart: one bar per label, one segment per series (None: no segment)."""
    chart = pygal.StackedBar(
        js=[],
        disable_xml_declaration=True,
        width=720,
        height=max(320, 40 + 24 * len(series)),
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        truncate_legend=-1,
        truncate_label=-1,
        value_formatter=_formatted,
    )
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values))
    # pygal stacks a missing value as a bar of 0: those bars are taken out (blank stays blank, never 0)
    blanks = {(n, i) for n, (_name, values) in enumerate(series) for i, value in enumerate(values) if value is None}
    return _drawn(chart, chart_id, title, blanks)


def _drawn(
    chart: pygal.graph.graph.Graph,
    chart_id: str,
    title: str,
    blanks: frozenset[tuple[int, int]] | set[tuple[int, int]] = frozenset(),
) -> Markup:
    """The chart's drawing made plain (_plain), its bars coloured by series; `blanks` (series, bar) taken out."""
    root = chart.render_tree()
    _plain(root, chart_id, title)
    for element in root.iter():
        serie = next((c for c in _classes(element) if c.startswith("color-")), None)
        if serie is not None:
            colour = PALETTE[int(serie.removeprefix("color-")) % len(PALETTE)]
            for shape in (e for e in element.iter() if _tag(e) == "rect"):
                shape.set("fill", colour)
    for series in (g for g in root.iter() if "series" in _classes(g)):
        number = int(next(c for c in _classes(series) if c.startswith("serie-")).removeprefix("serie-"))
        for bars in (g for g in series if "bars" in _classes(g)):
            for index, bar in enumerate(list(bars)):
                if (number, index) in blanks:
                    bars.remove(bar)
    return Markup(ET.tostring(root, encoding="unicode"))


def _formatted(value: float) -> str:
    """A value as the data states it: 23, not 23.0."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _plain(root: ET.Element, chart_id: str, title: str) -> None:
    """Take out pygal's script, style, tooltip and comments; give the drawing its looks as attributes."""
    root.set("id", chart_id)
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title")
    for parent in root.iter():
        for child in list(parent):
            if (
                not isinstance(child.tag, str)
                or _tag(child) in ("script", "style")
                or "tooltip-overlay" in _classes(child)
            ):
                parent.remove(child)
    for child in root:
        if _tag(child) == "title":
            child.set("id", f"{chart_id}-title")
            child.text = title
    for series in (g for g in root.iter() if "series" in _classes(g)):
        for path in (e for e in series.iter() if _tag(e) == "path"):
            path.set("class", f"{path.get('class', '')} data")
    for element in root.iter():
        classes = _classes(element)
        if _tag(element) == "text":
            element.set("font-family", "system-ui, sans-serif")
            element.set("font-size", "16" if "title" in classes else "12")
            element.set("fill", "#1b1b1b")
        looks = next((found for name, found in LOOKS if name in classes), {})
        for attribute, value in looks.items():
            element.set(attribute, value)
    for axis in (g for g in root.iter() if "axis" in _classes(g)):
        anchor = "end" if "y" in _classes(axis) else "middle"
        for text in (e for e in axis.iter() if _tag(e) == "text"):
            text.set("text-anchor", anchor)


def _tag(element: ET.Element) -> str:
    return str(element.tag).rsplit("}", 1)[-1]


def _classes(element: ET.Element) -> list[str]:
    return element.get("class", "").split()
