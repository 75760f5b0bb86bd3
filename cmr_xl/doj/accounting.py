"""Where every input line went: the public records of a read (summary.json "rows")."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class RejectedRow:
    """A line that could not be used as a row, and why (written to rejects.csv)."""

    file: str
    line: int
    reason: str
    text: str  # the raw line, truncated to 300 characters


@dataclass
class FileReport:
    """What one input file held. `lines` counts a record whose quoted value spans several
    physical lines once; `physical_lines` is what a text editor shows."""

    name: str
    path: str
    size_bytes: int = 0
    sha256: str = ""
    has_header: bool = False
    lines: int = 0
    rows: int = 0  # rows used, repaired ones included
    repaired: int = 0
    rejected: int = 0
    header_lines: int = 0
    blank_lines: int = 0
    physical_lines: int = 0

    def balanced(self) -> bool:
        """lines == header lines + blank lines + rows used + rows rejected."""
        return self.lines == self.header_lines + self.blank_lines + self.rows + self.rejected


def _total(count: str) -> property:
    """A read-only total of one FileReport count over the files of a run (summary.json
    "rows"), declared in one line per total."""

    def total(self: RowAccounting) -> int:
        return sum(getattr(f, count) for f in self.files)

    return property(total, doc=f"The sum of FileReport.{count} over the files.")


@dataclass
class RowAccounting:
    """Where every input line went, over all files of a run (summary.json "rows")."""

    files: list[FileReport] = field(default_factory=list)
    rejects: list[RejectedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # warnings in plain words
    excel_resaved: list[str] = field(default_factory=list)  # files that look re-saved by Excel
    convictions_read: int = 0  # convicted counts in the files, any county and law
    set_aside: dict[str, int] = field(default_factory=dict)  # Prop 64 texts not determined, by why

    # The run's totals: each the sum of one FileReport count over the files.
    lines_read = _total("lines")
    header_lines = _total("header_lines")
    blank_lines = _total("blank_lines")
    rows_read = _total("rows")
    rows_repaired = _total("repaired")
    rows_rejected = _total("rejected")

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines_read": self.lines_read,
            "header_lines": self.header_lines,
            "blank_lines": self.blank_lines,
            "rows_read": self.rows_read,
            "rows_repaired": self.rows_repaired,
            "rows_rejected": self.rows_rejected,
            "files": [asdict(f) for f in self.files],
            "notes": list(self.notes),
            "excel_resaved": list(self.excel_resaved),
            "convictions_read": self.convictions_read,
            "set_aside": dict(self.set_aside),
        }

