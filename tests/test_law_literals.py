"""Each legal fact is written once, in cmr_xl/law/*.yaml: no Prop 64 section number,
effective or statewide date, or summary window appears as a literal in cmr_xl/**/*.py
outside the law accessors, but for the few named exceptions below (each with why).

The scan reads the source with `ast`: string and number constants and `date(...)` calls;
docstrings and comments are prose and are not scanned. A message that names the range
("HS 11357-11360") or shows an example subdivision ("11357(A)=dismiss") is prose too:
only a bare section ("11359", 11359, "felony_11359") or a regex spelling the sections
("113(?:5[789]|60)", "1135[7-9]", "(?:11357|11358)") counts, and so does an attempt or
conspiracy marker of offense_text.yaml written as a string or in a regex ("664",
"(?:664|182)")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cmr_xl.rules import law

ROOT = Path(__file__).resolve().parent.parent / "cmr_xl"
SECTIONS = law.prop64_sections()
DATES = (law.prop64_effective_date(), law.statewide_as_of())
WINDOW = law.recent_years()
MARKERS = law.inchoate_markers()

#: (file, literal) -> why it may stay. A file with literal "*" is exempt as a whole.
EXCEPTIONS = {
    ("rules/law.py", "*"): "the accessors themselves",
    ("synthetic/offenses.py", "*"): "the test-data generator's offense tables are DOJ's own "
                                    "spellings (fixtures, not law)",
    **{("rules/criteria.py", f"felony_{s}"): "a typed Criteria field per section; "
       "test_law_data checks the fields are exactly the law's sections" for s in SECTIONS},
    ("cli.py", DATES[1].isoformat()): "command examples in --help show the statewide date",
    ("workbook/writer.py", DATES[1]): "TEMPLATE_CREATED: a fixed file timestamp that keeps "
                                      "the template reproducible, not an as-of date",
}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _date_texts(day) -> tuple[str, ...]:
    return (day.isoformat(), day.strftime("%m/%d/%Y"), day.strftime("%Y%m%d"))


def literals(path: Path) -> list[tuple[int, object]]:
    """(line, literal) of each law fact written in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    found: list[tuple[int, object]] = []
    section_word = re.compile(r"^(?:felony_)?(" + "|".join(SECTIONS) + r")$")
    sections = "|".join(SECTIONS)
    prefixes = "|".join(sorted({re.escape(s[:k]) for s in SECTIONS for k in (3, 4)}))
    section_regex = re.compile(rf"113\(|5\[789\]|(?:{prefixes})[\[(]"
                               rf"|(?:^|[|(:])(?:{sections})(?=[|)]|$)")
    markers = "|".join(re.escape(m) for m in MARKERS)
    marker_text = re.compile(rf"^(?:{markers})$|(?:^|[|(:])(?:{markers})(?=[|)?])")
    window_text = re.compile(rf"\b{WINDOW}[ _]years\b|last_{WINDOW}\b")
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in docs:
            value = node.value
            if isinstance(value, str):
                if section_word.match(value) or section_regex.search(value) \
                        or marker_text.search(value):
                    found.append((node.lineno, value))
                for day in DATES:
                    found += [(node.lineno, text) for text in _date_texts(day) if text in value]
                if window_text.search(value):
                    found.append((node.lineno, value))
            elif isinstance(value, int) and not isinstance(value, bool) \
                    and str(value) in SECTIONS:
                found.append((node.lineno, value))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(
                node.func, "attr", None)) in ("date", "datetime"):
            numbers = [a.value for a in node.args[:3] if isinstance(a, ast.Constant)]
            for day in DATES:
                if numbers == [day.year, day.month, day.day]:
                    found.append((node.lineno, day))
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                and node.value.value == WINDOW and any(
                    "YEAR" in getattr(t, "id", "").upper() for t in node.targets):
            found.append((node.lineno, WINDOW))
    return found


def _exempt(relative: str, literal: object) -> bool:
    return (relative, "*") in EXCEPTIONS or (relative, literal) in EXCEPTIONS


def test_no_law_fact_is_written_as_a_literal_in_code():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        offenders += [f"cmr_xl/{relative}:{line}: {literal!r}" for line, literal in literals(path)
                      if not _exempt(relative, literal)]
    assert not offenders, ("law facts written in code; read them from cmr_xl/rules/law.py:\n"
                           + "\n".join(offenders))


def test_every_exception_is_still_needed():
    for (relative, literal), why in EXCEPTIONS.items():
        assert why
        if literal != "*":
            assert literal in [found for _, found in literals(ROOT / relative)], (relative, literal)


def test_the_scan_finds_each_kind(tmp_path):
    source = tmp_path / "bad.py"
    source.write_text(
        '"""Docstrings may say 11359 and 11/09/2016."""\n'
        'from datetime import date\n'
        'SECTIONS = ("11357", 11358)\n'
        'PATTERN = r"(113(?:5[789]|60))"\n'
        'AS_OF = date(2020, 7, 1)\n'
        'REASON = "Occurred after 11/09/2016"\n'
        'RECENT_YEARS = 7\n'
        'LABEL = "no conviction in the last 7 years"\n'
        'MESSAGE = "not an HS 11357-11360 section; e.g. 11357(A)=dismiss"\n'
        'RANGE = r"1135[7-9]|11360"\n'
        'EITHER = r"(?:11357|11358)"\n'
        'MARKED = r"(?:664|182)?[./ -]?"\n'
        'MARKER = "664"\n'
        'PROSE = "an attempt (PC 664/11359) is read as 664/11359 HS; width 1820"\n')
    assert sorted(line for line, _ in literals(source)) == [3, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13]
