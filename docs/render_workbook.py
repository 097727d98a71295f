"""Render the demo's workbook as the README shows it: docs/workbook.png.

    .venv/bin/python docs/render_workbook.py out/demo/核查结果.xlsx docs/workbook.png

LibreOffice (Debian's libreoffice-calc) prints a copy of the workbook to PDF headless, and pdftoppm (poppler-utils)
draws its first page as PNG, cut to the printed cells. The copy's 违规明细 sheet is set to print its first columns
(规则 … 核查基准日) on one page, as a screen shows them; nothing else of the workbook is changed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import openpyxl

COLUMNS = "A1:K{rows}"
"""规则 to 核查基准日: what a reader sees first."""

MARGIN = 12
"""Pixels of white kept around the cells."""


def ink_box(pdf: Path, dpi: int) -> tuple[int, int, int, int]:
    """x, y, width, height of what is printed on page 1, in pixels at `dpi`."""
    gray = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-gray", str(pdf)],
                          check=True, capture_output=True).stdout
    header, width, height, _, pixels = gray.split(maxsplit=4)
    page = np.frombuffer(pixels[: int(width) * int(height)], dtype=np.uint8).reshape(int(height), int(width))
    rows, columns = np.nonzero(page.min(axis=1) < 250)[0], np.nonzero(page.min(axis=0) < 250)[0]
    x, y = max(int(columns[0]) - MARGIN, 0), max(int(rows[0]) - MARGIN, 0)
    return x, y, int(columns[-1]) - x + MARGIN, int(rows[-1]) - y + MARGIN


def render(workbook: Path, png: Path, dpi: int = 150) -> Path:
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "workbook.xlsx"
        book = openpyxl.load_workbook(workbook)
        sheet = book["违规明细"]
        sheet.print_area = COLUMNS.format(rows=min(sheet.max_row, 24))
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 1
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        book.active = 0
        for other in book.worksheets[1:]:
            other.sheet_state = "hidden"
        book.save(copy)
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", scratch, str(copy)],
                       check=True, capture_output=True)
        stem, pdf = Path(scratch) / "page", copy.with_suffix(".pdf")
        x, y, width, height = ink_box(pdf, dpi)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", "-png", "-x", str(x),
                        "-y", str(y), "-W", str(width), "-H", str(height), str(pdf), str(stem)], check=True)
        png.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(stem.with_suffix(".png"), png)
    return png


if __name__ == "__main__":
    print(render(Path(sys.argv[1]), Path(sys.argv[2])))
