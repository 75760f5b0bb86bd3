"""The reader's words to the user: what to do about a file, the reasons a line is
rejected, and the notes left for what was repaired or odd in a file (`file_notes`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cmr_xl.common.errors import DojFileError
from cmr_xl.doj import limits
from cmr_xl.doj.accounting import FileReport, RowAccounting

DECOMPRESS = "Decompress it and give the .csv file inside"
EXTRACT = "Extract the research file (.csv) from it and give that file"
COPY = ("Get a complete, undamaged copy of the research file (from DOJ, or from where "
        "it was copied) and give that")
NO_SUBJECT = ("has an empty SUBJECT_ID: the row cannot be linked to a person's history; "
              "check it by hand")
INNER_QUOTE = ('has a quote (") inside a quoted value that is not doubled, and its fields '
               "cannot be told apart")
AS_SENT = ("Use the research file exactly as DOJ sent it (comma-separated text, 95 columns "
           "from RECORD_ID to END_OF_REC), not a copy opened and saved in another program")


def too_long_reason(length: int, column: str) -> str:
    return f"has a value of {length:,} characters ({column}); no DOJ value is that long"


def few(items: Sequence[Any], limit: int | None = None) -> str:
    """The first few items for a message, and how many more there are."""
    limit = limits.EXAMPLES if limit is None else limit
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


@dataclass
class Findings:
    """What the reader found odd in one file, for its notes: lines of each kind."""

    repaired_lines: list[int] = field(default_factory=list)
    multiline_lines: list[int] = field(default_factory=list)
    header_repeats: list[int] = field(default_factory=list)
    quoted_lines: list[int] = field(default_factory=list)  # stray quote kept as written
    encoding_line: int = 0  # first line that is not UTF-8
    lone_cr_line: int = 0  # first line with a carriage return inside it
    cr_ends_line: int = 0  # first old-Mac line among lines ending otherwise


def file_notes(given: str, report: FileReport, accounting: RowAccounting, found: Findings,
               *, mode96: bool, skip_lines: int) -> None:
    """Refuse a file with no usable row; leave notes for what was repaired or odd."""
    notes = accounting.notes
    mine = ([r for r in accounting.rejects if r.file == given]  # this file's rejects
            if report.rows == 0 or report.rejected else [])
    if report.rows == 0:
        if mine:
            raise DojFileError(
                where=f"{given}, line {mine[0].line}",
                what=f"none of its lines could be read as a DOJ row ({mine[0].reason})",
                fix=AS_SENT)
        if report.has_header:
            raise DojFileError(where=f"{given}, line {skip_lines + 1}",
                               what="has the header line but no data rows",
                               fix="Check that this is the complete file DOJ sent")
        raise DojFileError(where=given, what="has no data rows",
                           fix="Check that this is the complete file DOJ sent")
    if mode96:
        notes.append(f"{given}: every row ends with an extra empty field (a trailing "
                     f"comma); read as 95 columns ({report.repaired:,} rows repaired)")
    elif report.repaired:
        notes.append(f"{given}: {report.repaired:,} row(s) had an extra empty field (a "
                     f"trailing or doubled comma) that was dropped, at line(s) "
                     f"{few(found.repaired_lines)}")
    if report.rejected:
        notes.append(f"{given}: {report.rejected:,} line(s) rejected (see rejects), e.g. "
                     + "; ".join(f"line {r.line} {r.reason}" for r in mine[:limits.EXAMPLES]))
    if found.multiline_lines:
        notes.append(f"{given}: {len(found.multiline_lines):,} row(s) have a quoted value "
                     f"that spans several lines (kept), at line(s) "
                     f"{few(found.multiline_lines)}")
    if found.quoted_lines:
        notes.append(f"{given}: {len(found.quoted_lines):,} row(s) have a quote (\") inside "
                     "a quoted value that is not doubled; kept as written, at line(s) "
                     f"{few(sorted(found.quoted_lines))}")
    if found.header_repeats:
        notes.append(f"{given}: the header line appears again at line(s) "
                     f"{few(found.header_repeats)} (files joined together?); skipped")
    if found.cr_ends_line:
        notes.append(f"{given}: lines from line {found.cr_ends_line} on (and maybe others) "
                     "end with a lone carriage return (old Mac style) among lines ending "
                     "otherwise; read as lines as written")
    if found.lone_cr_line:
        notes.append(f"{given}: line {found.lone_cr_line} (and maybe others) has a carriage "
                     "return inside a line; read it as a space")
    if not report.balanced():
        notes.append(f"{given}: internal error, line accounting does not add up: {report}")

