"""Page setup for every sheet cmr-xl writes (workbook, court copies, AB 1793 notices).

A clerk prints these: each sheet prints on Letter paper, one page wide, with its header
rows repeated on every page, the sheet's title and the print date at the top, and the
page number and the confidentiality notice at the bottom (the Results and the copies hold
criminal offender record information, PC 11105).
"""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

CONFIDENTIAL = "Confidential criminal history information: PC 11105"
LETTER = 1  # xlsxwriter paper code


def _escaped(text: str) -> str:
    """Excel header/footer codes start with '&': a literal one is doubled."""
    return text.replace("&", "&&")


def print_setup(ws: Worksheet, title: str, *, landscape: bool = True,
                header_rows: int | None = None, one_page: bool = False,
                last_col: int | None = None, last_row: int | None = None) -> None:
    """Orientation, fit to one page wide (and tall with `one_page`), repeated header
    rows, title and date at the top, page numbers and confidentiality at the bottom.
    `last_col`/`last_row` (0-based) set the print area."""
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(LETTER)
    ws.fit_to_pages(1, 1 if one_page else 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if header_rows:
        ws.repeat_rows(0, header_rows - 1)
    if last_col is not None and last_row is not None:
        ws.print_area(0, 0, last_row, last_col)
    ws.set_header(f"&L&\"Calibri,Bold\"{_escaped(title)}&RPrinted &D", {"margin": 0.25})
    ws.set_footer(f"&L{_escaped(CONFIDENTIAL)}&RPage &P of &N", {"margin": 0.25})
