"""Defective records taken apart in Python, and the rows they hold used, repaired or
rejected: an extra empty field dropped (kept in place by the separator columns' markers),
a stray quote that swallowed the next lines, a quote inside a quoted value that is not
doubled (read as written), a quoted value that spans lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cmr_xl.doj import limits
from cmr_xl.doj.accounting import RejectedRow
from cmr_xl.doj.blocks import Block, Placed, holds
from cmr_xl.doj.doj_format import DOJ_COLUMNS
from cmr_xl.doj.notes import INNER_QUOTE, Findings, too_long_reason
from cmr_xl.doj.records import EMPTY, EXPECTED_FIELDS, blank_line, split_as_written, split_record
from cmr_xl.doj.sniff import EXTRA_FIELD
from cmr_xl.doj.values import normalized, null_placeholder

#: Columns that hold a constant marker (`#`) in real files; they tell where a field is extra.
SEPARATORS = tuple(i for i, c in enumerate(DOJ_COLUMNS)
                   if c.endswith("_SEG_SEP") or c == "END_OF_REC")


@dataclass
class Judged:
    """What the Python checks made of the defective records of a block."""

    rows: list[tuple[int, list[str], bool]] = field(default_factory=list)  # line, fields, fixed
    rejects: list[RejectedRow] = field(default_factory=list)
    blanks: int = 0
    continuation: int = 0
    headers: int = 0  # the header line again in the middle of the file


class Repairs:
    """The Python checks of one file's defective records; `found` collects the lines noted."""

    def __init__(self, given: str, found: Findings, *, mode96: bool) -> None:
        self.given = given
        self.found = found
        self.mode96 = mode96  # the file is read as 96 columns (a trailing comma on every row)
        self.markers: dict[int, str] = {}

    def learn_markers(self, table: pa.Table) -> None:
        """Values that (nearly) every row holds in a separator column: a 96-field row must
        keep them in place when its extra empty field is dropped."""
        for index in SEPARATORS:
            counts = pc.value_counts(table[DOJ_COLUMNS[index]])
            if len(counts):
                top = int(np.argmax(counts.field("counts").to_numpy()))
                value = counts.field("values")[top].as_py()
                count = counts.field("counts")[top].as_py()
                if value and value.strip() and count >= 0.9 * table.num_rows:
                    self.markers[index] = value.strip()

    def fit(self, fields: list[str]) -> tuple[list[str] | None, bool, str]:
        """(95 fields, repaired?, "") or (None, False, reason)."""
        n = len(fields)
        long = next((i for i, f in enumerate(fields) if len(f) > limits.VALUE_LIMIT), -1)
        if long >= 0:
            named = n in (EXPECTED_FIELDS, EXPECTED_FIELDS + 1) and long < EXPECTED_FIELDS
            name = DOJ_COLUMNS[long] if named else f"field {long + 1}"
            return None, False, too_long_reason(len(fields[long]), name)
        if n == EXPECTED_FIELDS:
            return fields, False, ""
        if n != EXPECTED_FIELDS + 1:
            return None, False, f"has {n} fields, expected {EXPECTED_FIELDS}"
        base = f"has {n} fields, expected {EXPECTED_FIELDS}"
        empty = [bool(EMPTY.match(f)) for f in fields]
        if not any(empty):
            return None, False, base
        if not self.markers:
            if empty[-1]:
                return fields[:-1], True, ""
            return None, False, base + " (the extra field is not the empty last one)"
        fits = set()
        for j in range(n):
            if empty[j] and (j == 0 or not empty[j - 1]):  # one candidate per run of empties
                candidate = fields[:j] + fields[j + 1:]
                if all(candidate[i].strip() == m for i, m in self.markers.items()):
                    fits.add(tuple(candidate))
        if len(fits) == 1:
            return list(fits.pop()), True, ""
        if not fits:
            return None, False, base + " (no empty field can be the extra one)"
        return None, False, base + " (cannot tell which empty field is the extra one)"

    def swallowed(self, continuation: list[str]) -> bool:
        """Whether lines inside a quoted value are complete rows themselves: then the quote
        was stray and took the next lines with it."""
        for text in continuation:
            if text.count(",") < EXPECTED_FIELDS - 1:
                continue  # too few commas to be a row
            split = split_record(text)
            if split is not None and not split[1] and self.fit(split[0])[0] is not None:
                return True
        return False

    def judge(self, out: Judged, line: int, span: int, text: str) -> None:
        """Use, repair or reject the lines of one defective record (first line `line`).
        A record of several lines is taken apart: each legal record in it (one line, or a
        quoted value with line breaks) is judged on its own, so a stray quote costs only
        its own line."""
        parts = text.replace("\r\n", "\n").split("\n") if span > 1 else [text]
        i = 0
        while i < len(parts):
            taken = self._multiline(out, line + i, parts, i)
            if not taken:
                self._judge_line(out, line + i, parts[i].rstrip("\r"))
                taken = 1
            i += taken

    def _multiline(self, out: Judged, line: int, parts: list[str], i: int) -> int:
        """A row whose quoted value goes on over the next lines, starting at parts[i]: use
        it and return how many lines it took (0 if there is none)."""
        text, k = parts[i], i + 1
        split = split_record(text)
        while split is not None and split[1] and k < len(parts) and k - i < limits.PUSHBACK_LINES:
            text += "\n" + parts[k]
            k += 1
            split = split_record(text)
        if k == i + 1 or split is None or split[1]:
            return 0
        fields, repaired, _ = self.fit(split[0])
        if fields is None or self.swallowed(parts[i + 1:k]):
            return 0
        out.rows.append((line, fields, repaired))
        out.continuation += k - i - 1
        self.found.multiline_lines.append(line)
        return k - i

    def _judge_line(self, out: Judged, line: int, text: str) -> None:
        """Use, repair or reject one physical line."""
        if blank_line(text):
            out.blanks += 1
            return
        split = split_record(text)
        if split is not None and not split[1] and any(v.endswith('"') for v in split[0]):
            verdict = self._as_written(text, split[0])  # as in inner_quotes
            if verdict is not None:  # pyarrow's reading moves a quote
                fields, repaired, reason = verdict
                if fields is not None:
                    out.rows.append((line, fields, repaired))
                    self.found.quoted_lines.append(line)
                else:
                    out.rejects.append(RejectedRow(self.given, line, reason, text[:limits.TEXT_LIMIT]))
                return
        if split is None:
            reason = "is not one CSV record"
        elif split[1]:
            reason = 'has a quote (") that is never closed'
        else:
            fields, repaired, reason = self.fit(split[0])
            if fields is not None:
                out.rows.append((line, fields, repaired))
                return
        out.rejects.append(RejectedRow(self.given, line, reason, text[:limits.TEXT_LIMIT]))

    def extra_field(self, placed: Placed, judged: Judged,
                     block: Block) -> tuple[pa.Table, np.ndarray]:
        """In a file read as 96 columns: drop the (empty) extra column, and send the few rows
        where it is not empty to the Python checks."""
        table, lines = placed.table, placed.lines
        if not self.mode96:
            return table, lines
        extra = normalized(table[EXTRA_FIELD], nulls_done=False)
        table = table.drop_columns([EXTRA_FIELD])
        odd = pc.is_valid(extra).to_numpy(zero_copy_only=False)
        if odd.any():
            rows = table.filter(pa.array(odd)).to_pylist()
            values = extra.filter(pa.array(odd)).to_pylist()
            for row, value, line in zip(rows, values, lines[odd], strict=True):
                fields = [row[c] or "" for c in DOJ_COLUMNS] + [value]
                fixed, repaired, reason = self.fit(fields)
                if fixed is None:
                    text = block.text(int(line) - block.first_line)
                    judged.rejects.append(RejectedRow(self.given, int(line), reason,
                                                      text[:limits.TEXT_LIMIT]))
                else:
                    judged.rows.append((int(line), fixed, repaired))
            table = table.filter(pa.array(~odd))
            lines = lines[~odd]
        return table, lines

    def inner_quotes(self, placed: Placed, judged: Judged, block: Block) -> None:
        """Rows pyarrow read with a value that ends with a quote ("). A quote inside a
        quoted value that is not doubled makes pyarrow close the value there and keep the
        rest, the closing quote included (`"DOE,JANE "JJ" Q"` is read `DOE,JANE JJ" Q"`):
        such a row is read again with the value as written, or rejected. Only rows with
        such a value are looked at (columns without any quote are skipped, cheaply); a
        value with a quote elsewhere (`6" PLANT`, or `""` written for a quote) is right.
        (Text after a closing quote, `"C01"X`, is read as pyarrow and Excel read it:
        `C01X`.)"""
        table = placed.table
        hit: Any = None
        for column in table.columns:
            if not any(holds(chunk, b'"') for chunk in column.chunks):
                continue
            found = pc.fill_null(pc.ends_with(column, '"'), False)
            hit = found if hit is None else pc.or_(hit, found)
        if hit is None:
            return
        rows = np.flatnonzero(hit.to_numpy(zero_copy_only=False))
        keep = np.ones(table.num_rows, dtype=bool)
        names = table.column_names
        for r, row in zip(rows.tolist(), table.take(pa.array(rows)).to_pylist(), strict=True):
            parsed = [row[name] for name in names]
            line = int(placed.lines[r])
            span = 1 + sum(v.count("\n") for v in parsed if v)
            text = block.text(line - block.first_line, span)
            verdict = self._as_written(text, parsed)
            if verdict is None:
                continue
            keep[r] = False
            fields, repaired, reason = verdict
            if fields is None:
                judged.rejects.append(RejectedRow(self.given, line, reason, text[:limits.TEXT_LIMIT]))
            else:
                judged.rows.append((line, fields, repaired))
                self.found.quoted_lines.append(line)
        if not keep.all():
            placed.table = table.filter(pa.array(keep))
            placed.lines = placed.lines[keep]

    def _as_written(self, text: str,
                    parsed: Sequence[str | None]) -> tuple[list[str] | None, bool, str] | None:
        """None when the record reads the same with quotes inside quoted values kept as
        written; else its fields read that way (fitted to 95) or the reason to reject it."""
        kept = split_as_written(text)
        if kept is not None and len(kept) == len(parsed) and all(
                null_placeholder(a) == null_placeholder(b and b.replace("\r\n", "\n"))
                for a, b in zip(kept, parsed, strict=True)):
            return None
        if kept is not None:
            fields, repaired, reason = self.fit(kept)
            if fields is not None:
                return fields, repaired, ""
            if reason.startswith("has a value of"):
                return None, False, reason
        return None, False, INNER_QUOTE
