"""Criteria files a user may really hand `--criteria`: each hostile one is refused at once
with exit 2 and a message naming the file, the key (and line, where YAML gives it) and
what to do; never an internal error, a hang or an echo of what an alias would expand to.

Each case runs `cmr-xl criteria --criteria FILE` (the command that only reads criteria) in
a folder holding the file, so messages name it as the user typed it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmr_xl.cli import cli
from cmr_xl.common.documents import MAX_DOCUMENT_BYTES
from cmr_xl.engine.criteria_files import load_criteria_file

AGE = "Dismiss if the person is now at least this age"
AGE_FIX = "Use 0 (off) or a whole number from 40 to 65"
DATE_FIX = "Use a date as YYYY-MM-DD, e.g. 2020-07-01"


def billion_laughs() -> bytes:
    """The classic alias bomb: 9 levels of 9 aliases, a few hundred bytes, 9^9 'lol's."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


def zip_bytes(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})


def ods_bytes() -> bytes:
    return zip_bytes({"mimetype": "application/vnd.oasis.opendocument.spreadsheet",
                      "content.xml": "<office:document-content/>"})


BEAR_BASE = '"baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", "11360"]}'

CASES: dict[str, tuple[str, bytes, str]] = {
    "yaml_alias_bomb": (
        "bomb.yaml", billion_laughs(),
        "error: bomb.yaml, line 1: uses a YAML anchor or alias (& or *), which cmr-xl does not "
        "read (one can make a small file expand without end). Write each value out in full"),
    "yaml_alias_later_in_the_file": (
        "alias.yaml", b"felony_11359: &x reduce\nfelony_11360: *x\n",
        "error: alias.yaml, line 1: uses a YAML anchor or alias (& or *), which cmr-xl does not "
        "read (one can make a small file expand without end). Write each value out in full"),
    "yaml_merge_key": (
        "merge.yaml", b"<<: {felony_11359: reduce}\nmisdemeanor: dismiss\n",
        "error: merge.yaml, line 1: uses a YAML merge key (<<). Write each key out in full"),
    "yaml_duplicate_key": (
        "dup.yaml", b"felony_11359: dismiss\nmisdemeanor: dismiss\nfelony_11359: reduce\n",
        "error: dup.yaml, line 3: the key 'felony_11359' is written twice (lines 1 and 3); a "
        "second value would silently replace the first. Keep one of them"),
    "yaml_duplicate_key_in_a_scenario": (
        "dup_scenario.yaml",
        b"scenarios:\n  Dismiss:\n    felony_11359: dismiss\n    felony_11359: reduce\n",
        "error: dup_scenario.yaml, line 4: the key 'felony_11359' is written twice (lines 3 and "
        "4); a second value would silently replace the first. Keep one of them"),
    "json_duplicate_key": (
        "dup.json", b'{"felony_11359": "dismiss",\n "felony_11359": "reduce"}\n',
        "error: dup.json, line 2: the key 'felony_11359' is written twice in one object; a "
        "second value would silently replace the first. Keep one of them"),
    "bear_duplicate_key": (
        "bear_dup.json",
        ("{" + BEAR_BASE + ',\n"additionalRelief": {"subjectIsDeceased": true, '
         '"subjectIsDeceased": false}}').encode(),
        "error: bear_dup.json, line 2: the key 'subjectIsDeceased' is written twice in one "
        "object; a second value would silently replace the first. Keep one of them"),
    "impossible_as_of_date": (
        "feb30.yaml", b"felony_11359: reduce\nas_of: 2020-02-30\n",
        "error: feb30.yaml, line 2: as_of: '2020-02-30' is not a real date (no such day) for "
        f"Eligibility as of. {DATE_FIX}"),
    "as_of_in_year_202": (
        "year202.yaml", b"as_of: 0202-07-01\n",
        "error: year202.yaml, line 1: as_of: 0202-07-01 is out of range for Eligibility as of "
        f"(cmr-xl takes dates from 1900-01-01 to 2100-12-31). {DATE_FIX}"),
    "as_of_in_year_9999": (
        "year9999.json", b'{"as_of": "9999-12-31"}',
        "error: year9999.json: as_of: 9999-12-31 is out of range for Eligibility as of (cmr-xl "
        f"takes dates from 1900-01-01 to 2100-12-31). {DATE_FIX}"),
    "number_and_text_keys_mixed": (
        "mixed.yaml", b"felony_11359: dismiss\n11360: reduce\n",
        "error: mixed.yaml, line 2: the key 11360 is a number, not the name of a criterion. "
        "Write criteria as 'name: value', e.g. felony_11359: reduce (`cmr-xl criteria "
        "--template` lists them)"),
    "yes_as_a_key": (
        "yes_key.yaml", b"felony_11359: dismiss\nyes: reduce\n",
        "error: yes_key.yaml, line 2: the key True is a yes/no value (YAML reads yes, no, on "
        "and off so), not the name of a criterion. Write criteria as 'name: value', e.g. "
        "felony_11359: reduce (`cmr-xl criteria --template` lists them)"),
    "bear_number_and_text_keys_mixed": (
        "bear_mixed.yaml", b"baselineEligibility: {dismiss: [11357]}\nadditionalRelief: {1: 2, "
        b"a: 3}\n",
        "error: bear_mixed.yaml: unknown BEAR key additionalRelief.1, additionalRelief.a. Known "
        "additionalRelief keys: dismissOlderThanAgeThreshold, dismissYearsCrimeFreeThreshold, "
        "dismissYearsSinceConvictionThreshold, subjectAgeThreshold, subjectHasOnlyProp64Charges, "
        "subjectIsDeceased, subjectUnder21AtConviction, yearsCrimeFreeThreshold, "
        "yearsSinceConvictionThreshold"),
    "bear_threshold_1e999": (
        "bear_inf.json",
        ("{" + BEAR_BASE + ', "additionalRelief": {"subjectAgeThreshold": 1e999}}').encode(),
        f"error: bear_inf.json: additionalRelief.subjectAgeThreshold: '1e999' is out of range "
        f"for {AGE}. {AGE_FIX}"),
    "yaml_threshold_infinity": (
        "inf.yaml", b"relief_age_threshold: .inf\n",
        f"error: inf.yaml, line 1: relief_age_threshold: '.inf' is not a whole number for {AGE}. "
        f"{AGE_FIX}"),
    "yaml_5000_digit_number": (
        "digits.yaml", b"relief_age_threshold: " + b"9" * 5000 + b"\n",
        f"error: digits.yaml, line 1: relief_age_threshold: a number of 5,000 digits is out of "
        f"range for {AGE}. {AGE_FIX}"),
    "json_5000_digit_number": (
        "digits.json", b'{"relief_age_threshold": ' + b"9" * 5000 + b"}",
        f"error: digits.json: relief_age_threshold: a number of 5,000 digits is out of range "
        f"for {AGE}. {AGE_FIX}"),
    "json_25_digit_number": (
        "digits25.json", b'{"relief_age_threshold": ' + b"9" * 25 + b"}",
        f"error: digits25.json: relief_age_threshold: 9999999999999999999999999 is out of range "
        f"for {AGE}. {AGE_FIX}"),
    "threshold_as_a_list": (
        "list.yaml", b"relief_age_threshold: [50]\n",
        f"error: list.yaml, line 1: relief_age_threshold: [50] is not a whole number for {AGE}. "
        f"{AGE_FIX}"),
    "switch_as_a_mapping": (
        "switch.yaml", b"felony_11359: reduce\nrelief_under_21: {a: 1}\n",
        "error: switch.yaml, line 2: relief_under_21: {'a': 1} is not yes or no for Dismiss if under "
        "21 at conviction. Use yes or no"),
    "long_pasted_text_as_a_choice": (
        "pasted.yaml", b"felony_11359: " + b"x" * 300 + b"\n",
        "error: pasted.yaml, line 1: felony_11359: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx… "
        "(300 characters) is not a choice for HS 11359 felonies (possession for sale). Use one of "
        "'dismiss and seal', 'reduce one level (felony to misdemeanor, misdemeanor to "
        "infraction)', 'hand review'"),
    "scenario_with_a_bad_value": (
        "scenario.yaml", b"felony_11359: reduce\nscenarios:\n  Older:\n    relief_age_threshold: "
        b"abc\n",
        f"error: scenario.yaml, line 4: scenarios: Older: relief_age_threshold: 'abc' is not a "
        f"whole number for {AGE}. {AGE_FIX}"),
    "scenario_not_a_mapping": (
        "scenario_list.yaml", b"scenarios:\n  Older: [1, 2]\n",
        "error: scenario_list.yaml, line 2: scenarios: Older: must map criteria to values. e.g. "
        "scenarios: {'Dismiss 11359': {felony_11359: dismiss}}"),
    "bear_section_in_both_lists": (
        "bear_both.json",
        b'{"baselineEligibility": {"dismiss": ["11357", "11359"], "reduce": ["11359"]}, '
        b'"additionalRelief": {}}',
        "error: bear_both.json: baselineEligibility: '11359' is listed under both "
        "baselineEligibility.dismiss and baselineEligibility.reduce, so BEAR's settings "
        "contradict each other. Keep '11359' in one of the two lists"),
    "deeply_nested_yaml": (
        "deep.yaml", b"felony_11359: " + b"[" * 20000 + b"]" * 20000 + b"\n",
        "error: deep.yaml: nests lists or mappings too deeply to be a criteria file. Fix the "
        "syntax or start from `cmr-xl criteria --template`"),
    "deeply_nested_json": (
        "deep.json", b'{"felony_11359": ' + b"[" * 20000 + b"]" * 20000 + b"}",
        "error: deep.json: is not valid JSON (too deeply nested or a number that cannot be "
        "read). Fix the syntax or start from `cmr-xl criteria --template`"),
    "xlsx_named_xls": (
        "criteria.xls", xlsx_bytes(),
        "error: criteria.xls: is an Excel workbook (.xlsx, a zip package) under another name. "
        "Rename it to end in .xlsx (or save it again from Excel as .xlsx) and give that"),
    "xlsx_named_yaml": (
        "criteria.yaml", xlsx_bytes(),
        "error: criteria.yaml: is an Excel workbook (.xlsx, a zip package) under another name. "
        "Rename it to end in .xlsx (or save it again from Excel as .xlsx) and give that"),
    "ods_spreadsheet": (
        "criteria.ods", ods_bytes(),
        "error: criteria.ods: is an OpenDocument spreadsheet (.ods, LibreOffice Calc), not a "
        "criteria file. Save it from LibreOffice as an Excel workbook (.xlsx) and give that"),
    "old_excel_xls": (
        "criteria97.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500,
        "error: criteria97.xls: is an Excel 97-2003 workbook (.xls) or another old Office file, "
        "which cmr-xl does not read. Open it in Excel and save it as an Excel workbook (.xlsx)"),
    "utf16_notepad_unicode": (
        "utf16.yaml", "felony_11359: reduce\n".encode("utf-16"),
        "error: utf16.yaml: is UTF-16 text (Notepad's 'Unicode'). Save the file as UTF-8 (in "
        "Notepad: Save As, Encoding UTF-8)"),
    "file_over_the_size_cap": (
        "huge.yaml", b"# " + b"x" * MAX_DOCUMENT_BYTES + b"\n",
        f"error: huge.yaml: is {MAX_DOCUMENT_BYTES + 3:,} bytes: too big for a criteria file "
        f"({MAX_DOCUMENT_BYTES:,} bytes at most). Check that this is the criteria file; "
        "`cmr-xl criteria --template` shows one"),
}


def run_criteria(folder: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(cli, ["criteria", "--criteria", name], prog_name="cmr-xl")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the command raised {result.exception!r}") from result.exception
    return result.exit_code, result.stderr.rstrip("\n")


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_hostile_criteria_file_gets_its_exact_message(case: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    name, data, message = CASES[case]
    (tmp_path / name).write_bytes(data)
    code, stderr = run_criteria(tmp_path, name, monkeypatch)
    assert (code, stderr) == (2, message)


def test_the_alias_bomb_is_never_expanded(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = billion_laughs()
    assert len(bomb) < 500
    (tmp_path / "bomb.yaml").write_bytes(bomb)
    code, stderr = run_criteria(tmp_path, "bomb.yaml", monkeypatch)
    assert code == 2 and "lol" not in stderr
    assert "anchor or alias" in stderr, "refused at the first alias, before any expansion"


def test_a_fifo_given_as_criteria_is_refused_without_waiting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.yaml")
    code, stderr = run_criteria(tmp_path, "pipe.yaml", monkeypatch)
    assert code == 2 and stderr.startswith("error: pipe.yaml: is ") and "pipe" in stderr


def test_a_fifo_is_refused_in_the_same_words_by_the_file_reader_and_the_cli(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One check of what a path is: called directly, the criteria reader refuses a pipe
    with the message the CLI's input check gives, as a CriteriaError, never opening it."""
    import os

    from cmr_xl.common.errors import CriteriaError

    os.mkfifo(tmp_path / "pipe.yaml")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CriteriaError) as refused:
        load_criteria_file("pipe.yaml")
    code, stderr = run_criteria(tmp_path, "pipe.yaml", monkeypatch)
    assert code == 2 and stderr.strip() == f"error: {refused.value}"


def test_good_files_still_read(tmp_path: Path) -> None:
    """Dates YAML reads as dates, quoted dates, numbers and scenarios all still work."""
    (tmp_path / "ok.yaml").write_text(
        "as_of: 2021-02-28\nrelief_age_threshold: 50\nfelony_11359: dismiss\n"
        "scenarios:\n  Older:\n    relief_age_threshold: 60\n", "utf-8")
    criteria, scenarios = load_criteria_file(tmp_path / "ok.yaml")
    assert str(criteria.as_of) == "2021-02-28" and criteria.relief_age_threshold == 50
    assert [(s.name, s.relief_age_threshold) for s in scenarios] == [("Older", 60)]
    (tmp_path / "ok.json").write_text('{"as_of": "2020-02-29", "relief_age_threshold": 50.0}',
                                      "utf-8")
    criteria, _ = load_criteria_file(tmp_path / "ok.json")
    assert str(criteria.as_of) == "2020-02-29" and criteria.relief_age_threshold == 50
