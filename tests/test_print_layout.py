"""What prints (issue 11 item 6): a court copy prints the columns a court clerk acts on,
one landscape Letter page wide at a readable size (the others are folded away, one click
from view); the Summary's chart sits below its tables inside the printed columns."""

from __future__ import annotations

import re
import zipfile

import openpyxl
from openpyxl.utils import get_column_letter
from workbook_helpers import county_book

from cmr_xl.workbook import layout as L
from cmr_xl.workbook.court_copies import CASE_COLUMNS, NOT_PRINTED, WIDTHS, export_for_courts
from cmr_xl.workbook.writer import SUMMARY_PRINT_LAST_COL

#: Characters across one landscape Letter page (10.2 in between margins) at 100%.
PAGE_CHARACTERS = 10.2 * 72 / 5.6


def test_a_court_copy_prints_the_clerks_columns_one_page_wide_and_readable(tmp_path):
    book = county_book(tmp_path, people=60)
    written = export_for_courts(book, tmp_path / "out", send_pending=True)
    copy = next(p for p in written if p.name.startswith("court-copy_"))
    ws = openpyxl.load_workbook(copy)["Cases"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 1
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # 1 wide
    printed = [c for n, c in enumerate(CASE_COLUMNS, start=1)
               if not ws.column_dimensions[get_column_letter(n)].hidden]
    assert [c.key for c in printed] == [c.key for c in CASE_COLUMNS if c.key not in NOT_PRINTED]
    assert {"case_number", "name", "dob", "code_section", "relief", "outcome"} <= {
        c.key for c in printed}
    scale = min(1.0, PAGE_CHARACTERS / sum(WIDTHS.get(c.key, 14) + 1 for c in printed))
    assert 11 * scale >= 8, scale  # points of text on paper (all 15 columns: about 5.5)
    folded = [n for n, c in enumerate(CASE_COLUMNS, start=1) if c.key in NOT_PRINTED]
    assert all(ws.column_dimensions[get_column_letter(n)].outline_level == 1 for n in folded)


def test_the_summary_chart_sits_below_the_tables_inside_the_print_area(tmp_path):
    book = county_book(tmp_path, people=60)
    with zipfile.ZipFile(book) as archive:
        drawing = next(archive.read(n).decode() for n in archive.namelist()
                       if n.startswith("xl/drawings/drawing") and n.endswith(".xml"))
    (start_col, start_row), (end_col, end_row) = [
        (int(c), int(r)) for c, r in re.findall(
            r"<xdr:(?:from|to)><xdr:col>(\d+)</xdr:col><xdr:colOff>\d+</xdr:colOff>"
            r"<xdr:row>(\d+)</xdr:row>", drawing)]
    ws = openpyxl.load_workbook(book)[L.SUMMARY]
    tables_end = max(row for row in range(1, 41) if ws.cell(row, 1).value) - 1
    assert start_row > tables_end and end_col <= SUMMARY_PRINT_LAST_COL
    area = ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area
    last_row = int(re.findall(r"\$(\d+)", area)[-1])
    assert end_row < last_row
    assert ws.cell(end_row + 2, 1).value  # the variable part follows below the chart
