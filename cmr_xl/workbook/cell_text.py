"""Text made fit for a spreadsheet cell, the same way in every workbook and court copy.

XML 1.0 cannot hold C0 control characters (other than tab, line feed and carriage
return) nor U+FFFE and U+FFFF: one of them in a DOJ name makes the whole sheet XML
malformed (openpyxl refuses the file, LibreOffice shows an empty sheet). Each is replaced
by U+FFFD, the replacement character, so the reader sees where something was. Excel holds
at most 32,767 characters in a cell and cuts longer text silently; it is cut here, with
a visible marker at the end. Both are counted, for a note on the About sheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

EXCEL_CELL_LIMIT = 32_767
REPLACEMENT = "\ufffd"
CUT_MARKER = " [… cut by cmr-xl: Excel cells hold 32,767 characters]"
ILLEGAL = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_ILLEGAL = re.compile(ILLEGAL)


@dataclass
class TextRepairs:
    """How many cells had characters replaced, and how many were cut."""

    replaced: int = 0
    cut: int = 0

    def notes(self, where: str) -> list[str]:
        notes = []
        if self.replaced:
            notes.append(f"{where}: {self.replaced:,} cell(s) held characters a workbook "
                         "cannot store (control characters, U+FFFE, U+FFFF); each was replaced "
                         "by \ufffd (U+FFFD)")
        if self.cut:
            notes.append(f"{where}: {self.cut:,} cell(s) held more than Excel's "
                         f"{EXCEL_CELL_LIMIT:,} characters; each was cut and ends with "
                         f"'{CUT_MARKER.strip()}'")
        return notes


def clean_text(text: str, repairs: TextRepairs | None = None) -> str:
    """One cell's text with illegal characters replaced and cut to Excel's limit."""
    cleaned, count = _ILLEGAL.subn(REPLACEMENT, text)
    if count and repairs is not None:
        repairs.replaced += 1
    if len(cleaned) > EXCEL_CELL_LIMIT:
        cleaned = cleaned[:EXCEL_CELL_LIMIT - len(CUT_MARKER)] + CUT_MARKER
        if repairs is not None:
            repairs.cut += 1
    return cleaned


def clean_array(text: pa.Array, repairs: TextRepairs | None = None) -> pa.Array:
    """`clean_text` for a whole Arrow string column."""
    illegal = pc.match_substring_regex(text, ILLEGAL)
    long = pc.greater(pc.utf8_length(text), EXCEL_CELL_LIMIT)
    if repairs is not None:
        repairs.replaced += int(pc.sum(pc.cast(illegal, pa.int64())).as_py() or 0)
        repairs.cut += int(pc.sum(pc.cast(long, pa.int64())).as_py() or 0)
    if pc.any(illegal).as_py():
        text = pc.replace_substring_regex(text, ILLEGAL, REPLACEMENT)
    if pc.any(long).as_py():
        cut = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(text, 0, EXCEL_CELL_LIMIT - len(CUT_MARKER)), CUT_MARKER, "")
        text = pc.if_else(long, cut, text)
    return text
