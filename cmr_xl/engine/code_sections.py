"""Code sections: parse them from DOJ text, and match them against the law's lists.

DOJ writes a charge as `CODE SECTION-DESCRIPTION` (`11360(A) HS-GIVE/ETC MARIJ ...`,
`664/187 PC-ATTEMPTED MURDER`). Parsing and matching run once per *distinct* text, not
per row, and are mapped back to the rows: a county file has millions of rows but only a
few thousand distinct offense texts.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import cache

import pandas as pd

from cmr_xl.engine.law import load_law

#: Section, optional subdivisions, statute code. An attempt is written `664/187 PC`.
SECTION_PATTERN = (
    r"(?:(?P<attempt>664)\s*[/-]\s*)?"
    r"(?P<section>\d+(?:\.\d+)?[A-Z]{0,2})\s*"
    r"(?P<subsection>(?:\(\s*[0-9A-Z]+\s*\))*)\s*"
    r"(?P<code>HS|PC|VC|BP|MVC|WI|HSC|BPC)\b"
)
_CODE_ALIASES = {"HSC": "HS", "BPC": "BP"}
_COLUMNS = ["code_section", "section", "subsection", "code", "attempt"]


def parse_sections(texts: pd.Series, *, anywhere: bool = False) -> pd.DataFrame:
    """Parse code sections from offense texts (vectorised over distinct values).

    Returns columns code_section (canonical, e.g. `11360(A) HS`, `664/187 PC`), section
    (`11360`), subsection (`(A)`), code (`HS`) and attempt (bool); missing where the
    text holds no code section. `anywhere` searches the whole text (COMMENT_TEXT);
    otherwise the section must open the text (OFFENSE_DESCR).
    """
    codes, uniques = pd.factorize(texts, use_na_sentinel=True)
    parsed = _parse_unique(pd.Series(uniques, dtype="object"), anywhere)
    taken = parsed.iloc[codes.clip(min=0)].reset_index(drop=True)
    taken.loc[codes < 0, :] = None
    taken["attempt"] = taken["attempt"].fillna(False).astype(bool)
    taken.index = texts.index
    return taken


def _parse_unique(uniques: pd.Series, anywhere: bool) -> pd.DataFrame:
    prefix = "" if anywhere else r"^\s*"
    upper = uniques.astype("string").str.upper()
    found = upper.str.extract(prefix + SECTION_PATTERN)
    subsection = found["subsection"].str.replace(r"\s+", "", regex=True).fillna("")
    code = found["code"].replace(_CODE_ALIASES)
    attempt = found["attempt"].notna()
    canonical = (
        attempt.map({True: "664/", False: ""}) + found["section"] + subsection + " " + code
    )
    result = pd.DataFrame(
        {
            "code_section": canonical.astype(object),
            "section": found["section"].astype(object),
            "subsection": subsection.where(found["section"].notna()).astype(object),
            "code": code.astype(object),
            "attempt": attempt.astype(object),
        }
    )
    if len(result) == 0:
        return pd.DataFrame({c: pd.Series([None], dtype=object) for c in _COLUMNS})
    return result.where(found["section"].notna(), None)


@dataclass(frozen=True)
class OffenseEntry:
    """One line of a law list: statute code, sections (globs allowed) and optional
    subdivisions that alone match."""

    code: str
    sections: tuple[str, ...]
    subsections: tuple[str, ...]
    label: str
    auto_match: bool = True
    flag: bool = False

    def matches(self, code: str, section: str, subsection: str) -> bool:
        if not self.auto_match or code != self.code:
            return False
        if not any(fnmatch.fnmatchcase(section, pattern) for pattern in self.sections):
            return False
        if not self.subsections or not subsection:
            return True
        return any(subsection.startswith(sub) for sub in self.subsections)


@dataclass(frozen=True)
class OffenseList:
    """A cited list of offenses (super strikes, PC 290(c), related charges)."""

    name: str
    reference: str
    include_attempts: bool
    entries: tuple[OffenseEntry, ...]

    def entry_for(
        self, code: str | None, section: str | None, subsection: str | None, attempt: bool
    ) -> OffenseEntry | None:
        if not code or not section or (attempt and not self.include_attempts):
            return None
        for entry in self.entries:
            if entry.matches(code, section, subsection or ""):
                return entry
        return None

    def match(self, parsed: pd.DataFrame) -> pd.Series:
        """Boolean per row of `parse_sections` output: is this offense on the list?"""
        return self._lookup(parsed).notna()

    def flagged(self, parsed: pd.DataFrame) -> pd.Series:
        """Boolean per row: on the list with `flag: true` (hand review, never automatic)."""
        entries = self._lookup(parsed)
        return entries.map(lambda e: bool(e is not None and e.flag)).astype(bool)

    def _lookup(self, parsed: pd.DataFrame) -> pd.Series:
        keys = parsed["code_section"]
        codes, uniques = pd.factorize(keys, use_na_sentinel=True)
        first = pd.Series(range(len(keys)), index=keys.index).groupby(codes).first()
        found = {}
        for code_index, row_position in first.items():
            if code_index < 0:
                continue
            row = parsed.iloc[row_position]
            found[code_index] = self.entry_for(
                row["code"], row["section"], row["subsection"], bool(row["attempt"])
            )
        values = [found.get(c) if c >= 0 else None for c in range(len(uniques))]
        lookup = pd.Series(values + [None], dtype=object)
        return pd.Series(lookup.iloc[codes].to_numpy(), index=keys.index, dtype=object)


@cache
def offense_list(name: str) -> OffenseList:
    """Load a law list (`super_strikes`, `pc290_offenses`, `related_charges`) once."""
    data = load_law(name)
    entries = tuple(
        OffenseEntry(
            code=item["code"],
            sections=tuple(str(s).upper() for s in item["sections"]),
            subsections=tuple(str(s).upper() for s in item.get("subsections", ())),
            label=item.get("label", ""),
            auto_match=item.get("auto_match", True),
            flag=item.get("flag", False),
        )
        for item in data["offenses"]
    )
    return OffenseList(
        name=data["description"],
        reference=data["reference"],
        include_attempts=bool(data.get("include_attempts", False)),
        entries=entries,
    )


def prop64_sections() -> tuple[str, ...]:
    """The four sections Prop 64 relief covers (HS 11357-11360), from the law data."""
    return tuple(load_law("prop64")["sections"])


def is_prop64(parsed: pd.DataFrame) -> pd.Series:
    """A conviction under HS 11357, 11358, 11359 or 11360 (any subdivision; not attempts)."""
    law = load_law("prop64")
    return (
        (parsed["code"] == law["code"])
        & parsed["section"].isin(list(law["sections"]))
        & ~parsed["attempt"].astype(bool)
    ).fillna(False).astype(bool)
