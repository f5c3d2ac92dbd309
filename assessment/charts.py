"""Charts drawn as SVG on the server with pygal: no script, no CDN, they print well.

The SVG is embedded in the page; pygal's tooltip script is left out (and its
config <script> stripped), so the charts are static pictures. A chart is a pure function of
its labels and values: each process keeps the last CHARTS_KEPT it drew and draws a chart again
only when a figure or a label differs (pygal takes 12-19 ms for the ranking's 30 bars).
"""

import functools
import re

import pygal
from django.utils.safestring import mark_safe
from pygal.style import Style

FONT = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif'
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#333",
    foreground_strong="#111",
    foreground_subtle="#777",
    colors=("#2f6fb5", "#c62828", "#f9a825", "#2e7d32"),
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    legend_font_family=FONT,
    title_font_family=FONT,
    value_font_family=FONT,
    value_label_font_family=FONT,
    tooltip_font_family=FONT,
    no_data_font_family=FONT,
    # Drawn 820 px wide and shown 640 px or wider (site.css .chart): 17 px reads 13 px.
    label_font_size=17,
    major_label_font_size=17,
    legend_font_size=17,
    title_font_size=18,
    value_font_size=17,
)
SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)


def _config(**extra):
    return dict(
        style=STYLE, js=[], disable_xml_declaration=True, no_data_text="暂无数据",
        legend_at_bottom=True, legend_at_bottom_columns=2, truncate_label=-1, truncate_legend=-1, **extra,
    )


def _svg(chart):
    return mark_safe(SCRIPT.sub("", chart.render(is_unicode=True)))


CHARTS_KEPT = 64


def _frozen(labels, series):
    """Hashable copies of the arguments: the key of a drawn chart."""
    return tuple(str(label) for label in labels), tuple((str(name), tuple(values)) for name, values in series)


def radar(labels, series, title=""):
    """series: [(name, [rate 0..100 per label])]."""
    return _radar(*_frozen(labels, series), str(title))


@functools.lru_cache(maxsize=CHARTS_KEPT)
def _radar(labels, series, title):
    chart = pygal.Radar(**_config(width=560, height=460, range=(0, 100), fill=True, title=title or None,
                                  dots_size=3, show_legend=True))
    chart.x_labels = labels
    for name, values in series:
        chart.add(name, [float(v) for v in values])
    return _svg(chart)


def horizontal_bars(labels, series, title="", maximum=None, marked=(), marked_label=""):
    """A bar per label, one colour per series: [(name, [value per label])]. The first label is
    drawn on top (rank 1 first). `marked` (a bool per label, e.g. a veto) draws those bars grey
    and adds `marked_label` to their names.

    Meant for a few dozen labels (the ranking charts its top 30): a label takes 26 px for one
    series, 18 px per series for several, so 30 branches of two series stay within a printed page."""
    labels, series = _frozen(labels, series)
    return _horizontal_bars(labels, series, str(title), maximum, tuple(bool(m) for m in marked), str(marked_label))


MARKED_COLOUR = "#9e9e9e"


def _label_margin(labels):
    """Extra room on the left for labels in Chinese: pygal measures a label as if every
    character were Latin (about 0.6 of the font size wide), and a CJK character is a full em."""
    widest = max((len(label) for label in labels), default=0)
    return int(widest * STYLE.label_font_size * 0.45) + 8


@functools.lru_cache(maxsize=CHARTS_KEPT)
def _horizontal_bars(labels, series, title, maximum, marked, marked_label):
    per_label = 26 if len(series) <= 1 else 18 * len(series)
    height = max(220, per_label * len(labels) + 120)
    marked = marked or (False,) * len(labels)
    names = [f"{label}（{marked_label}）" if m else label for label, m in zip(labels, marked)]
    chart = pygal.HorizontalBar(**_config(width=820, height=height, title=title or None,
                                          print_values=len(labels) <= 40, show_legend=len(series) > 1,
                                          range=(0, float(maximum)) if maximum else None,
                                          margin_left=_label_margin(names)))
    chart.x_labels = names[::-1]  # pygal draws the first label at the bottom
    for name, values in series:
        chart.add(name, [{"value": float(v), "color": MARKED_COLOUR} if m else float(v)
                         for v, m in zip(values, marked)][::-1])
    return _svg(chart)
