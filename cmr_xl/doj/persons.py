"""The stream of block tables cut into batches of whole persons."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cmr_xl.doj import limits
from cmr_xl.doj.accounting import RowAccounting
from cmr_xl.doj.doj_format import SOURCE_FILE, SOURCE_LINE


class Persons:
    """Cuts the stream of block tables into batches of whole persons, and notices a
    person whose rows come back after other persons' rows (streaming relies on them being
    together)."""

    def __init__(self, accounting: RowAccounting) -> None:
        self.accounting = accounting
        self.carry: pa.Table | None = None
        self.last_id: str | None = None
        self.seen: dict[str, tuple[str, int]] = {}
        self.scattered: list[str] = []
        self.scattered_count = 0

    def add(self, table: pa.Table) -> pa.Table | None:
        n = table.num_rows
        ids = pc.fill_null(table["SUBJECT_ID"], "").combine_chunks()
        changed = np.ones(n, dtype=bool)
        if n > 1:
            changed[1:] = pc.not_equal(ids.slice(1), ids.slice(0, n - 1)).to_numpy(
                zero_copy_only=False)
        starts = np.flatnonzero(changed)
        run_ids = ids.take(pa.array(starts)).to_pylist()
        run_lines = table[SOURCE_LINE].take(pa.array(starts)).to_pylist()
        file = table[SOURCE_FILE][0].as_py()
        continues = run_ids[0] == self.last_id
        for k, (person, line) in enumerate(zip(run_ids, run_lines, strict=True)):
            if (k == 0 and continues) or not person:
                continue
            first = self.seen.setdefault(person, (file, line))
            if first != (file, line):
                self.scattered_count += 1
                if len(self.scattered) < limits.EXAMPLES:
                    self.scattered.append(f"SUBJECT_ID {person} at line {first[1]} of "
                                          f"{first[0]}, again at line {line} of {file}")
        self.last_id = run_ids[-1]
        cut = int(starts[-1])
        if cut == 0:
            if self.carry is not None and continues:
                self.carry = pa.concat_tables([self.carry, table])
                return None
            out, self.carry = self.carry, table
            return out
        head = table.slice(0, cut)
        out = head if self.carry is None else pa.concat_tables([self.carry, head])
        self.carry = table.slice(cut)
        return out

    def finish(self) -> pa.Table | None:
        if self.scattered_count:
            self.accounting.notes.append(
                f"{self.scattered_count:,} time(s) a person's rows come back after other "
                f"persons' rows ({'; '.join(self.scattered)}). DOJ files keep each person's "
                "rows together; such a person is read in separate parts, so their history "
                "may be incomplete in the results")
        out, self.carry = self.carry, None
        return out
