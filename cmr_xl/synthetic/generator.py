"""Synthetic CA DOJ research files (the Prop 64 / AB 1793 bulk extract). Never real data.

Why: demos, tests and benchmarks need county files with the shape and the traps of real
ones (long RAP sheets, convictions in other counties, super strikes, PC 290, charges only
in COMMENT_TEXT, partial dates, multi-part sentences) without anyone's record. Names are
common names drawn at random; SSNs start with 999, licences with X, FBI numbers carry ZZ.

Offense texts, levels and dispositions come in the whole variety of doj-research-file.md,
with weights like a real file's: most Prop 64 texts in the standard form, spellings (glued,
spaced, lower case, code missing/first/aliased, stray marks, compounds), attempts,
conspiracies and look-alikes each rare; unknown levels, pleas written in DISP_/
CONV_OFFENSE_DESCR and charges inside COMMENT_TEXT likewise. A file of a few hundred people
shows each at least once. `prop64_convictions_by_county` says, in the generator's own
terms, how many convictions naming HS 11357-11360 a file holds (for differential tests).

How it stays fast: the file is built level by level as numpy arrays (person -> cycle ->
step -> count -> sentence part, each level an np.repeat of the one above, so rows of a
person are contiguous and ordered). Every text value is a code into a small table that
is CSV-escaped once. Per batch of people, Arrow joins the fields of each level (person,
cycle, step, count) and only then repeats them down to the rows, so per-row work is a
dozen Arrow calls per batch whatever the number of columns.

This module is the entry: the public functions, the order of the draws and the plan of
the file. The parts, in the order they are drawn: draw.py (the random source), people.py
(people and their identity columns), history.py (cycles and charges), steps.py (steps,
counts, sentence parts), then columns.py (the other columns' text) and layout.py (the
row layout and the writing); offenses.py and doj_codes.py hold DOJ's texts and codes,
arrays.py the vectorised helpers. The draws happen in one fixed order from one random
stream, so the same arguments always give the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cmr_xl.common.errors import InputError
from cmr_xl.doj.doj_format import DOJ_COLUMNS
from cmr_xl.engine.counties import california_counties, county_name
from cmr_xl.output.files import atomic_path
from cmr_xl.synthetic.columns import event_columns
from cmr_xl.synthetic.draw import Draw
from cmr_xl.synthetic.history import Charges, Cycles, draw_charges, draw_cycles
from cmr_xl.synthetic.layout import Plan, write_plan
from cmr_xl.synthetic.people import People, draw_people, person_columns
from cmr_xl.synthetic.steps import Counts, Parts, Steps, draw_counts, draw_parts, draw_steps

MAX_PEOPLE = 1_000_000


@dataclass
class GeneratedFile:
    """What `generate_doj_file` wrote."""

    path: Path
    people: int
    rows: int
    county: str
    seed: int

    def prop64_convictions_by_county(self) -> dict[str, int]:
        """See the module function of that name."""
        return prop64_convictions_by_county(self.county, self.people, self.seed)


# ---------------------------------------------------------------------------------------
# Public API

def generate_doj_file(
    path: str | Path, *, county: str, people: int, seed: int, header: bool = True
) -> GeneratedFile:
    """Write a synthetic DOJ research file for `county` with `people` persons.

    The same (county, people, seed, header) always gives the same bytes. The file is
    written beside `path` and moved into place with the command's other outputs (one
    output set), so a failed run leaves no half file.
    """
    name = county_name(county)
    _check_numbers(people, seed)
    target = Path(path)
    with atomic_path(target) as partial, open(partial, "wb") as out:
        rows = write_plan(_plan(name, people, seed), out, header)
    return GeneratedFile(target, people, rows, name, seed)


def generate_doj_text(*, county: str, people: int, seed: int, header: bool = True) -> str:
    """The same content as `generate_doj_file`, as a string (for small test files)."""
    name = county_name(county)
    _check_numbers(people, seed)
    out = io.BytesIO()
    write_plan(_plan(name, people, seed), out, header)
    return out.getvalue().decode("utf-8")


def prop64_convictions_by_county(county: str, people: int, seed: int) -> dict[str, int]:
    """How many convicted counts the file of (`county`, `people`, `seed`) holds whose
    charge, offense convicted of or comment names HS 11357-11360 (any spelling, attempts,
    conspiracies and combinations with another law included; look-alikes such as
    11357.5 not), by the county of the court step, in the generator's own terms (what it
    drew, not a reading of the text). A count of several sentence parts (rows) is one.
    Counties without any are left out. Same numbers with or without the header."""
    name = county_name(county)
    _check_numbers(people, seed)
    drawn = _draw_all(name, people, seed)
    off, ch, ct = drawn.d.off, drawn.ch, drawn.ct
    charge = ct.charge
    names = (off.names_p64[ch.offense[charge]] | off.names_p64[ct.shown]
             | (ch.mention[charge] & ct.convicted))
    where = drawn.cyc.county[ct.cycle[ct.convicted & names]]
    counts = np.bincount(where, minlength=len(california_counties()))
    return {c: int(k) for c, k in zip(california_counties(), counts, strict=True) if k}


def _check_numbers(people: int, seed: int) -> None:
    if isinstance(people, bool) or not isinstance(people, int | np.integer) or not (
        1 <= people <= MAX_PEOPLE
    ):
        raise InputError(where="--people", what=f"{people!r} is not a number of people",
                         fix=f"Give a whole number from 1 to {MAX_PEOPLE:,}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(where="--seed", what=f"{seed!r} is not a seed",
                         fix="Give a whole number, 0 or more")


@dataclass
class _Drawn:
    """Everything drawn for a file, before any text."""

    d: Draw
    pp: People
    cyc: Cycles
    ch: Charges
    st: Steps
    ct: Counts
    parts: Parts


def _draw_all(county: str, people: int, seed: int) -> _Drawn:
    """Draw every person, cycle, step, count and sentence part."""
    d = Draw.start(county, seed)
    pp = draw_people(d, people)
    cyc = draw_cycles(d, pp)
    ch = draw_charges(d, pp, cyc)
    st = draw_steps(d, pp, cyc, ch)
    ct = draw_counts(d, cyc, ch, st)
    return _Drawn(d, pp, cyc, ch, st, ct, draw_parts(d, ch, ct))


def _plan(county: str, people: int, seed: int) -> Plan:
    """Draw the file, then say how each column is written from the draws."""
    drawn = _draw_all(county, people, seed)
    d, pp, cyc, ch, st, ct, parts = (drawn.d, drawn.pp, drawn.cyc, drawn.ch, drawn.st,
                                     drawn.ct, drawn.parts)
    columns = {c: "#" if c.endswith("_SEG_SEP") else "" for c in DOJ_COLUMNS}
    columns["END_OF_REC"] = "#\n"
    columns.update(person_columns(d, pp))
    columns.update(event_columns(d, pp, cyc, ch, st, ct, parts))
    sizes = [people, len(cyc.person), len(st.cycle), len(ct.step), len(parts.count)]
    parents = [np.zeros(0, dtype=np.int64), cyc.person, st.cycle, ct.step, parts.count]
    starts = [np.concatenate([[0], np.cumsum(np.bincount(parents[k + 1], minlength=sizes[k]))])
              for k in range(4)]
    return Plan(columns, starts, parents, sizes)
