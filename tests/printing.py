"""Printing as an office prints: LibreOffice (headless) turns a file into a PDF, and the PDF's
words are measured where they land on paper (the way ../shared/tools/print_check.py does).

Without soffice or pdftotext the tests that print are skipped on a laptop and fail on CI.
"""

import os
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

BOX = 1.3  # a CJK word's box is this many times its font size (calibrated with LibreOffice)
MIN_PT = 9.0  # 小五


def require(program, package):
    found = shutil.which(program)
    if not found:
        if os.environ.get("CI"):
            pytest.fail(f"{program} is missing on CI: apt-get install -y {package}")
        pytest.skip(f"{program} is not installed (apt-get install -y {package})")
    return found


def to_pdf(paths, outdir):
    """Convert `paths` (.xlsx, .docx) with LibreOffice; the PDFs, in the same order."""
    soffice = shutil.which("soffice") or require("libreoffice", "libreoffice-calc libreoffice-writer")
    require("pdftotext", "poppler-utils")
    profile = Path(outdir) / "lo-profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(outdir), *map(str, paths)],
        check=True, capture_output=True, timeout=300,
    )
    return [Path(outdir) / (Path(p).stem + ".pdf") for p in paths]


@dataclass
class Page:
    width: float  # points
    height: float
    words: list  # (text, height in points)

    @property
    def landscape(self):
        return self.width > self.height

    @property
    def text(self):
        return "".join(t for t, _ in self.words)


@dataclass
class Printed:
    pages: list

    @property
    def median_pt(self):
        """The median word's font size on paper (its box height / BOX)."""
        heights = [h for page in self.pages for t, h in page.words if t.strip()]
        return statistics.median(heights) / BOX if heights else 0.0

    @property
    def text(self):
        return "".join(page.text for page in self.pages)

    def near_empty(self):
        return [n for n, page in enumerate(self.pages, start=1) if len(page.words) < 3]


def measure(pdf):
    require("pdftotext", "poppler-utils")
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    pages = []
    for w, h, body in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
        words = [(t, float(b) - float(a)) for a, b, t in
                 re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', body)]
        pages.append(Page(float(w), float(h), words))
    return Printed(pages)


A4_LANDSCAPE = (841.9, 595.3)
A4_PORTRAIT = (595.3, 841.9)
A3_LANDSCAPE = (1190.6, 841.9)


def size_is(page, size):
    return abs(page.width - size[0]) < 2 and abs(page.height - size[1]) < 2
