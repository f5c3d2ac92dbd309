"""The charts of a saved .xlsx, read from its parts: openpyxl has no public API that reads a
chart back, so the tests read what Excel and LibreOffice read (SpreadsheetML's chart and drawing
parts)."""

import re
import zipfile
from xml.etree import ElementTree

CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
EMU_PER_CM = 360000


def _numbered(names, pattern):
    found = [n for n in names if re.fullmatch(pattern, n)]
    return sorted(found, key=lambda n: int(re.search(r"(\d+)\.xml$", n).group(1)))


def charts(source):
    """Each chart of the workbook `source` (a path or a binary file object), in order:
    {"categories": the range its names come from, "orientation": of the category axis
    ("maxMin": the first row on top)}."""
    with zipfile.ZipFile(source) as archive:
        found = []
        for name in _numbered(archive.namelist(), r"xl/charts/chart\d+\.xml"):
            root = ElementTree.fromstring(archive.read(name))
            categories = root.find(f".//{CHART}cat//{CHART}f")
            orientation = root.find(f".//{CHART}catAx/{CHART}scaling/{CHART}orientation")
            found.append({
                "categories": None if categories is None else categories.text,
                "orientation": None if orientation is None else orientation.get("val"),
            })
    return found


def chart_sizes(source):
    """(width, height) in cm of every drawn object anchored with a size (the charts), in order."""
    with zipfile.ZipFile(source) as archive:
        sizes = []
        for name in _numbered(archive.namelist(), r"xl/drawings/drawing\d+\.xml"):
            root = ElementTree.fromstring(archive.read(name))
            for extent in root.iter(f"{DRAWING}ext"):
                sizes.append((int(extent.get("cx")) / EMU_PER_CM, int(extent.get("cy")) / EMU_PER_CM))
    return sizes
