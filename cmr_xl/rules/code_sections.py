"""Code sections: read them from DOJ text, and match them against the law's lists.

DOJ writes a charge as `CODE SECTION-DESCRIPTION` (`11360(A) HS-GIVE/ETC MARIJ ...`), but
in many spellings (doj-research-file.md): subdivisions glued or spaced (`11357B2`,
`11360 (A)`, `11357 B HS`, `11357HS(B)`), the statute code glued, first, glued first,
aliased or missing (`11359HS-`, `HS 11359`, `HS11357`, `H&S`, none), compounds
(`11359/11360 HS`), attempts and conspiracies (`664/11359 HS`, `66411357(C) HS`,
`182 PC/11359 HS`, `PC664/HS11359`) and stray marks (`/11357 HS`, `11357.0 HS`).

One small reader serves every list the law uses (Prop 64, super strikes, PC 290, related
charges): a scanner that reads a *chain* of sections with their subdivisions and codes,
then a classification of the chain. The accepted spellings are data
(`law/offense_text.yaml`). Reading runs once per *distinct* text and is mapped back to
the rows: a county file has millions of rows but a few thousand distinct texts.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from cmr_xl.rules.distinct import each_distinct
from cmr_xl.rules.law import (
    inchoate_marker_pattern,
    load_law,
    prop64_code,
    prop64_section_pattern,
    prop64_sections,
)

#: How a text relates to Prop 64 (column `prop64_reading`).
PROP64 = "prop64"  # every section named is HS 11357-11360: decided by the rules
ATTEMPT = "attempt"  # PC 664 with a Prop 64 section
CONSPIRACY = "conspiracy"  # PC 182 with a Prop 64 section
COMBINED = "combined"  # a Prop 64 section together with another law
NOT_PROP64 = ""

#: A loose test for "this text names HS 11357-11360 somehow" (any spelling, also ones the
#: reader cannot read), so that no such conviction passes unseen. Not a look-alike:
#: 11357.5, 111357 and 211357 do not name 11357. Group 1 is the section named.
MENTIONS_PROP64 = (r"(?:^|[^0-9.])" + inchoate_marker_pattern() + "?[./ -]?"
                   + "(" + prop64_section_pattern() + ")"
                   + r"(?![0-9]|\.0*[1-9])")

_SUBDIVISION = r"\(\s*([0-9]{1,3}|[A-Z]{1,2}|[IVX]{1,4})\s*\)"
#: A section number: digits, a decimal part (a comma before one or two digits is a
#: mistyped point: `490,2 PC`), and letters glued on (`11357B2`, `288A`, `11359HS`).
_NUMBER = re.compile(r"(\d+)(?:\.(\d+)|,(\d{1,2})(?![0-9]))?([A-Z][A-Z0-9]*)?")
#: How sections of one count are joined: `/` or `+` always; `-` before a number of three
#: digits or more when no code was written yet (`484-487(A) PC`); before or after an
#: attempt or conspiracy marker also `-`, `.` or a space (`664-11357`, `189.1 664 PC`).
_JOIN = re.compile(r" ?[/+] ?(?=[0-9])")
#: `11359 & 11360 HS`, `11359 AND 11360 HS`, `HS 11359, HS 11360`: a list joins sections
#: only when the next one carries its own statute code (`11359 HS, 180 DAYS` is no list).
_JOIN_LISTED = re.compile(r" ?& ?| AND |, ?")
_JOIN_DASH = re.compile(r" ?- ?(?=[0-9]{3})")
_JOIN_MARKER = re.compile(r"(?: ?[-+] ?| )(?=" + inchoate_marker_pattern() + r"(?![0-9]))")
_JOIN_AFTER_MARKER = re.compile(r"[ .\-+] ?(?=[0-9])")
_JOIN_BEFORE_CODE = re.compile(r" ?[/+] ?")
#: Between a section and its code: a point, a dash, a space (`11357.HS`, `11357(B)-HS`).
_BEFORE_CODE = re.compile(r"\.? ?-? ?")
_SUBDIVISIONS = re.compile(rf"(?:\s?{_SUBDIVISION})+")
_GLUED_SUBDIVISIONS = re.compile(rf"(?:{_SUBDIVISION})+")
#: `11357 B HS`, `11357 A1 HS`, `11360-A HS`: a subdivision standing alone between a
#: section and its code.
_SPACED_LETTER = re.compile(r"[ -]([A-Z][0-9]{0,2})(?=[ -])")
_ONE_SUBDIVISION = re.compile(_SUBDIVISION)
_STRAY_START = re.compile(r"[\s/\-*.#:,;]*")


def _bracketed(parts: list[str]) -> str:
    """Subdivisions as the canonical text writes them: `B`, `2` -> `(B)(2)`."""
    return "".join(f"({part})" for part in parts)


@dataclass(frozen=True)
class Citation:
    """One code section as named: `11357` `(B)(2)` `HS`. `glued` keeps letters written
    against the number (`288A`), which are a lettered section or subdivisions."""

    section: str
    subsection: str
    code: str | None
    glued: str = ""

    def text(self, with_code: bool = True) -> str:
        code = f" {self.code}" if with_code and self.code else ""
        return f"{self.section}{self.glued}{self.subsection}{code}"

    def readings(self) -> tuple[tuple[str, str], ...]:
        """(section, subdivisions) as a list may name it: `288A` is section 288a or 288(a)."""
        if not self.glued:
            return ((self.section, self.subsection),)
        as_subdivisions = _bracketed(re.findall(r"[A-Z]+|\d+", self.glued))
        return ((self.section + self.glued, self.subsection),
                (self.section, as_subdivisions + self.subsection))


@dataclass(frozen=True)
class Reading:
    """What a text names: the offenses (targets), an inchoate marker, and notes."""

    targets: tuple[Citation, ...]
    inchoate: str = ""  # attempt | conspiracy
    marker: str = ""  # 664 | 182
    notes: tuple[str, ...] = ()

    @property
    def canonical(self) -> str:
        """`11357(B)(2) HS`, `11359/11360 HS`, `664/11359 HS`, `182 PC/...` is `182/11359 HS`."""
        parts: list[str] = []
        for position, target in enumerate(self.targets):
            following = self.targets[position + 1].code if position + 1 < len(self.targets) else None
            parts.append(target.text(with_code=target.code != following))
        chain = "/".join(parts)
        return f"{self.marker}/{chain}" if self.marker else chain

    @property
    def prop64_targets(self) -> tuple[Citation, ...]:
        return tuple(t for t in self.targets if _is_prop64_citation(t))

    @property
    def prop64_reading(self) -> str:
        named = self.prop64_targets
        if not named:
            return NOT_PROP64
        if self.inchoate:
            return self.inchoate
        return PROP64 if len(named) == len(self.targets) else COMBINED


@dataclass(frozen=True)
class _Spelling:
    """The accepted spellings, compiled once from `law/offense_text.yaml`."""

    aliases: dict[str, str]
    alias_pattern: re.Pattern[str]
    code_before_number: re.Pattern[str]
    glued_aliases: tuple[str, ...]
    code_when_missing: dict[str, str]
    inchoate: dict[str, dict]
    see_comment: tuple[str, ...]
    stray_decimal_zero: bool  # `11357.0` is 11357


@cache
def _spelling() -> _Spelling:
    data = load_law("offense_text")
    aliases = {spelling.upper(): code for code, spellings in data["codes"].items()
               for spelling in spellings}
    ordered = sorted(aliases, key=len, reverse=True)
    pattern = re.compile("(" + "|".join(re.escape(a) for a in ordered) + r")(?![A-Z0-9&])")
    return _Spelling(
        aliases=aliases,
        alias_pattern=pattern,
        # `HS 11359`, and glued `HS11357`, `H&S11360(A)`, `PC664/HS11359`
        code_before_number=re.compile("(" + "|".join(re.escape(a) for a in ordered)
                                      + r") ?(?=[0-9])"),
        glued_aliases=tuple(a for a in ordered if a.isalnum()),
        code_when_missing={str(k): v for k, v in data["code_when_missing"]["value"].items()},
        inchoate={str(k): v for k, v in data["inchoate"].items()},
        see_comment=tuple(s.upper() for s in data["see_comment"]),
        stray_decimal_zero=bool(data["stray_decimal_zero"]),
    )


def _is_prop64_citation(citation: Citation) -> bool:
    return citation.code == prop64_code() and citation.section in prop64_sections() \
        and not citation.glued


def _normalize(text: object) -> str:
    if not isinstance(text, str):
        return ""
    return " ".join(text.upper().split())


def _split_glued_code(tail: str) -> tuple[str, str | None]:
    """`11359HS`: the letters after the number end with a statute code; `11357HSMISD`:
    they open with one and a word of the description follows, glued (three letters or
    more, so that `HSC` stays a code)."""
    spelling = _spelling()
    for alias in spelling.glued_aliases:
        rest = tail[: len(tail) - len(alias)]
        if tail.endswith(alias) and re.fullmatch(r"(?:[A-Z]{1,2}|\d{1,3})*", rest):
            return rest, spelling.aliases[alias]
    for alias in spelling.glued_aliases:
        if tail.startswith(alias) and re.fullmatch(r"[A-Z]{3,}", tail[len(alias):]):
            return "", spelling.aliases[alias]
    return tail, None


def _code_at(text: str, position: int) -> tuple[str | None, int]:
    """A statute code at `position` (after at most one space), and where it ends."""
    start = _BEFORE_CODE.match(text, position).end()
    found = _spelling().alias_pattern.match(text, start)
    if not found:
        return None, position
    return _spelling().aliases[found.group(1)], found.end()


def _code_before(text: str, position: int) -> tuple[str | None, int]:
    """A statute code written before its section (`HS 11359`, glued `HS11359`): the code
    and where the section starts, or (None, position)."""
    found = _spelling().code_before_number.match(text, position)
    if not found:
        return None, position
    return _spelling().aliases[found.group(1)], found.end()


def _has_own_code(text: str, position: int) -> bool:
    """The section at `position` is written with its statute code, before or after it."""
    if _code_before(text, position)[0]:
        return True
    number = _NUMBER.match(text, position)
    if not number:
        return False
    if number.group(4) and _split_glued_code(number.group(4))[1]:
        return True
    after = _SUBDIVISIONS.match(text, number.end())
    return _code_at(text, after.end() if after else number.end())[0] is not None


def _split_marker(digits: str, decimal: str | None) -> tuple[str | None, str, str | None]:
    """`664.11357` and `66411357` are an attempt of 11357 written without a separator."""
    markers = _spelling().inchoate
    if digits in markers and decimal and len(decimal) >= 4:
        return digits, decimal, None
    # No code has a six-digit section starting 664 or 182 (HS's six-digit sections end
    # near 150000), so `664487` is an attempt of 487: a marker glued to three digits or more.
    for marker in sorted(markers, key=len, reverse=True):
        rest = digits[len(marker):]
        if digits.startswith(marker) and rest[:1] not in ("", "0") and len(rest) >= 3:
            return marker, rest, decimal
    return None, digits, decimal


def _scan_chain(text: str, position: int) -> tuple[list[dict], list[str]]:
    """Sections joined by `/` (or by `-`, `.` or a space after 664/182), each with its
    subdivisions and statute code when written."""
    items: list[dict] = []
    notes: list[str] = []
    spelling = _spelling()
    while True:
        lead_code, position = _code_before(text, position) if items else (None, position)
        number = _NUMBER.match(text, position)
        if not number:
            break
        digits, decimal, tail = number.group(1), number.group(2) or number.group(3), \
            number.group(4) or ""
        position = number.end()
        glued, code = _split_glued_code(tail) if tail else ("", None)
        marker, digits, decimal = _split_marker(digits, decimal)
        if marker:
            items.append({"section": marker, "glued": "", "subsection": "", "code": None})
        if spelling.stray_decimal_zero and decimal is not None and set(decimal) == {"0"}:
            notes.append(f"{digits}.{decimal} read as {digits}")
            decimal = None
        section = f"{digits}.{decimal}" if decimal else digits
        subsection = ""
        if not tail:  # `11357 B HS`: a spaced letter, read only when a statute code follows
            spaced = _SPACED_LETTER.match(text, position)
            if spaced and _code_at(text, spaced.end())[0]:
                glued, position = spaced.group(1), spaced.end()
        written = _SUBDIVISIONS.match(text, position)
        if written and not code:
            subsection = _bracketed(_ONE_SUBDIVISION.findall(written.group(0)))
            position = written.end()
        if glued and section in spelling.code_when_missing:
            subsection = _bracketed(re.findall(r"[A-Z]+|\d+", glued)) + subsection
            glued = ""
        if code is None:
            code, position = _code_at(text, position)
        if code is None:
            code = lead_code
        elif not subsection:  # `11357HS(B)`: subdivisions written after the code
            after = _GLUED_SUBDIVISIONS.match(text, position)
            if after:
                subsection = _bracketed(_ONE_SUBDIVISION.findall(after.group(0)))
                position = after.end()
        items.append({"section": section, "glued": glued, "subsection": subsection, "code": code})
        last = items[-1]
        joined = _JOIN.match(text, position) or _JOIN_MARKER.match(text, position)
        if not joined:  # `PC664/HS11359`: the next section opens with its code
            slash = _JOIN_BEFORE_CODE.match(text, position)
            if slash and _code_before(text, slash.end())[0]:
                joined = slash
        if not joined:
            listed = _JOIN_LISTED.match(text, position)
            if listed and _has_own_code(text, listed.end()):
                joined = listed
        if not joined and last["code"] is None:
            joined = _JOIN_DASH.match(text, position)
        if not joined and last["section"] in spelling.inchoate and not last["subsection"]:
            joined = _JOIN_AFTER_MARKER.match(text, position)
        if not joined:
            break
        position = joined.end()
    return items, notes


def _reading(items: list[dict], notes: list[str], code_first: str | None) -> Reading | None:
    if not items:
        return None
    spelling = _spelling()
    carried = None
    for item in reversed(items):  # `11359/11360 HS`: a code written last covers the chain
        carried = item["code"] = item["code"] or carried
    marker = ""
    if len(items) > 1:
        markers = [i for i in items if i["section"] in spelling.inchoate and not i["glued"]]
        if markers and len(markers) < len(items):
            marker = markers[0]["section"]
            items = [i for i in items if i is not markers[0]]
    for item in items:
        if item["code"] is None and code_first:
            item["code"] = code_first
        if item["code"] is None and item["section"] in spelling.code_when_missing:
            item["code"] = spelling.code_when_missing[item["section"]]
            notes.append(f"no statute code written: {item['section']} read as {item['code']} "
                         f"{item['section']} (the only code with that section)")
    targets = tuple(Citation(i["section"], i["subsection"], i["code"], i["glued"])
                    for i in items)
    kind = spelling.inchoate[marker]["kind"] if marker else ""
    return Reading(targets=targets, inchoate=kind, marker=marker, notes=tuple(notes))


def _read_at(text: str, position: int) -> Reading | None:
    code_first, position = _code_before(text, position)
    if not text[position:position + 1].isdigit():
        return None
    items, notes = _scan_chain(text, position)
    return _reading(items, notes, code_first)


_WORD_START = re.compile(r"(?<![0-9A-Z.&(])(?=[0-9A-Z])")


def read_offense(text: object, *, anywhere: bool = False) -> Reading | None:
    """What an offense text names. `anywhere` (COMMENT_TEXT) takes the first Prop 64
    section named anywhere in the text, else its first code section; otherwise the
    section opens the text (after stray marks such as `/`), and a text that does not open
    with one is searched like a comment, with a note."""
    normal = _normalize(text)
    if not normal:
        return None
    if not anywhere:
        opening = _read_at(normal, _STRAY_START.match(normal).end())
        if opening is not None and any(t.code for t in opening.targets):
            return opening
    found = []
    for start in _WORD_START.finditer(normal):
        reading = _read_at(normal, start.start())
        if reading is not None and any(t.code for t in reading.targets):
            found.append(reading)
    if not found:
        return None
    chosen = next((r for r in found if r.prop64_reading), found[0])
    if not anywhere:
        chosen = Reading(chosen.targets, chosen.inchoate, chosen.marker,
                         chosen.notes + ("code section found inside the text, not at its start",))
    return chosen


def _per_distinct(texts: pd.Series, test) -> pd.Series:
    """A test run once per distinct text ("" for missing) and spread back to the rows."""
    return pd.Series(each_distinct(texts, lambda text: bool(test(text))).astype(bool),
                     index=texts.index)


_MENTION = re.compile(MENTIONS_PROP64)


def mentions_prop64(texts: pd.Series) -> pd.Series:
    """Does the text name HS 11357-11360 in any spelling (also ones not read)?"""
    return _per_distinct(texts, lambda t: _MENTION.search(t.upper()))


def prop64_sections_named(text: str) -> list[str]:
    """The Prop 64 sections a text names, in order, as `mentions_prop64` finds them (never
    a look-alike: `11357.5` names none)."""
    return [found.group(1) for found in _MENTION.finditer(text.upper())]


def first_prop64_section(texts: list[pd.Series]) -> pd.Series:
    """Per row, the first Prop 64 section named (as `mentions_prop64` finds it) in the first
    of `texts` (columns of the same rows) that names one; None where none does."""
    index = texts[0].index
    found = np.full(len(index), None, dtype=object)
    for text in texts:
        first = each_distinct(text, lambda t: next(iter(prop64_sections_named(t)), None))
        found = np.where(pd.isna(found), first, found)
    return pd.Series(found, index=index, dtype=object)


def is_see_comment(texts: pd.Series) -> pd.Series:
    """Blank, or `SEE COMMENT FOR CHARGE`: the charge is in COMMENT_TEXT."""
    see = _spelling().see_comment
    return _per_distinct(texts, lambda t: _normalize(t) in ("", *see))


_COLUMNS = ["code_section", "section", "subsection", "code", "attempt", "inchoate",
            "prop64_reading", "other_sections", "reading_notes", "reading"]


def parse_sections(texts: pd.Series, *, anywhere: bool = False) -> pd.DataFrame:
    """Read code sections from offense texts (once per distinct value).

    Columns: code_section (canonical: `11360(A) HS`, `11359/11360 HS`, `664/11359 HS`),
    section, subsection and code of the offense that decides (the first Prop 64 one named,
    else the first), attempt (PC 664), inchoate (`attempt`/`conspiracy`/""),
    prop64_reading (prop64, attempt, conspiracy, combined or ""), other_sections (laws
    named beside a Prop 64 section), reading_notes (how the text was read) and reading
    (the Reading). Missing where the text holds no code section.
    """
    codes, uniques = pd.factorize(texts, use_na_sentinel=True)
    rows = [_row(read_offense(text, anywhere=anywhere)) for text in uniques]
    rows.append(_row(None))
    table = pd.DataFrame(rows, columns=_COLUMNS, dtype=object)
    taken = table.iloc[codes if len(codes) else []].reset_index(drop=True)
    taken["attempt"] = taken["attempt"].astype(bool)
    taken.index = texts.index
    return taken


def _row(reading: Reading | None) -> list:
    if reading is None:
        return [None, None, None, None, False, "", "", None, None, None]
    prop64 = reading.prop64_targets
    main = prop64[0] if prop64 else reading.targets[0]
    others = [t.text() for t in reading.targets if t not in prop64] if prop64 else []
    return [
        reading.canonical, main.section + main.glued, main.subsection, main.code,
        reading.inchoate == "attempt", reading.inchoate, reading.prop64_reading,
        "; ".join(others) or None, "; ".join(reading.notes) or None, reading,
    ]


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

    def entry_for_reading(self, reading: Reading | None) -> OffenseEntry | None:
        """The entry of the first offense named that is on the list. An attempt counts
        only where the list includes attempts; a conspiracy never does."""
        if reading is None or reading.inchoate == "conspiracy" or (
                reading.inchoate == "attempt" and not self.include_attempts):
            return None
        for citation in reading.targets:
            if not citation.code:
                continue
            for section, subsection in citation.readings():
                for entry in self.entries:
                    if entry.matches(citation.code, section, subsection):
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
        readings = parsed["reading"].to_numpy()
        first = pd.Series(codes).drop_duplicates()  # each code's first row
        first = first[first.to_numpy() >= 0]
        position = np.zeros(len(uniques), dtype=np.int64)
        position[first.to_numpy()] = first.index.to_numpy()
        values = [self.entry_for_reading(readings[p]) for p in position.tolist()]
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


def is_prop64(parsed: pd.DataFrame) -> pd.Series:
    """Every offense named is HS 11357, 11358, 11359 or 11360 (any subdivision), and it is
    not an attempt or conspiracy: the rules decide it."""
    return (parsed["prop64_reading"] == PROP64).fillna(False).astype(bool)


def names_prop64(parsed: pd.DataFrame) -> pd.Series:
    """Names a Prop 64 section in any way (alone, combined, attempted or conspired)."""
    return (parsed["prop64_reading"].fillna("") != NOT_PROP64).astype(bool)
