"""California's 58 counties as DOJ writes them (`LOS ANGELES`), read from
`law/counties.yaml`, and the one way a county typed by a user becomes that name: any
case, `_` or `-` for spaces, an optional `County` suffix. Every command reads `--county`
(and the workbook's county cell) through `county_key`; `county_name` also refuses a name
that is not a California county, naming close matches."""

from __future__ import annotations

import difflib
from functools import cache

from cmr_xl.common.errors import InputError
from cmr_xl.rules.law import load_law


@cache
def california_counties() -> tuple[str, ...]:
    """The 58 county names, upper case, in alphabetical (county number) order."""
    return tuple(entry["name"] for entry in load_law("counties")["counties"])


def county_key(text: str) -> str:
    """The county as DOJ writes it: `los_angeles`, ` Los-Angeles County ` -> `LOS ANGELES`.
    Any other text comes back upper case with single spaces (the run then says whether
    the file has it)."""
    key = " ".join(str(text).replace("_", " ").replace("-", " ").upper().split())
    return key.removesuffix(" COUNTY")


def county_name(text: str) -> str:
    """`county_key` of one of the 58 counties; InputError naming close matches otherwise."""
    key = county_key(text)
    names = california_counties()
    if key in names:
        return key
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.75)
    hint = f"Did you mean {' or '.join(close)}? " if close else ""
    raise InputError(
        where="--county",
        what=f"{text!r} is not one of the 58 California counties",
        fix=f"{hint}Give a county name such as SACRAMENTO or 'LOS ANGELES'",
    )
