"""The synthetic DOJ research file: reproducible, well-formed, and realistic enough that
every trap of a real county file shows up in a file of a few hundred people: among them
every way DOJ writes a Prop 64 offense, a level and a disposition
(doj-research-file.md), checked here on the raw text, never through our reader."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict

import pytest

from cmr_xl.common.errors import InputError
from cmr_xl.doj.doj_format import DOJ_COLUMNS
from cmr_xl.engine.counties import california_counties, county_name
from cmr_xl.synthetic.generator import (
    generate_doj_file,
    generate_doj_text,
    prop64_convictions_by_county,
)
from cmr_xl.synthetic.offenses import (
    LOOKALIKE_OFFENSES,
    OTHER_OFFENSES,
    PROP64_NAMED,
    PROP64_OFFENSES,
    PROP64_SPELLINGS,
)

COUNTY = "SACRAMENTO"
PEOPLE = 300
SEED = 2020
PROP64 = ("11357", "11358", "11359", "11360")
SUPER_STRIKES = ("187", "664/187", "191.5", "207", "209", "220", "245(D)(3)", "261", "269",
                 "288(A)", "288.5", "653F")
PC290 = ("261", "269", "286", "288", "243.4", "311.11", "314(1)", "647.6")
RELATED = ("647(F) PC", "11364 HS", "11364.1 HS", "148(A)(1) PC", "148.9(A) PC", "4060 BP",
           "40508(A) VC", "602(K) PC", "466 PC", "1320(A) PC", "11550(A) HS", "4140 BP")
SECTION = re.compile(r"(?:^|CHRG-|CHARGE )(?P<section>(?:664/)?[\d.]+[A-Z]?(?:\(\w+\))*)\s*"
                     r"(?P<code>HS|PC|VC|BP|MV)\b")
#: A text names HS 11357-11360, in the forms the generator writes (glued, spaced, code
#: first or missing, stray marks, 664 glued on); not 11357.5, 11361, 11362.3, 111357.
NAMES_PROP64 = re.compile(r"(?:^|[^\d.]|664)(?:1135[7-9]|11360)(?:\.0)?(?![\d.])")
#: ... but is not simply that offense: an attempt, a conspiracy, or with another law.
NOT_SIMPLY = re.compile(r"^(?:664|182 PC/|11350/)")
SEE_COMMENT = ("", "SEE COMMENT FOR CHARGE")
TEXTS = ("OFFENSE_DESCR", "DISP_OFFENSE_DESCR", "CONV_OFFENSE_DESCR", "COMMENT_TEXT")


@pytest.fixture(scope="module")
def text() -> str:
    return generate_doj_text(county=COUNTY, people=PEOPLE, seed=SEED)


@pytest.fixture(scope="module")
def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def people(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    by_person: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_person[row["SUBJECT_ID"]].append(row)
    return by_person


def charge(row: dict[str, str]) -> str:
    """The charge: OFFENSE_DESCR, else COMMENT_TEXT."""
    descr = row["OFFENSE_DESCR"]
    return descr if descr not in SEE_COMMENT else row["COMMENT_TEXT"]


def convicted_of(row: dict[str, str]) -> str:
    """The offense convicted of: CONV_/DISP_OFFENSE_DESCR when written, else the charge."""
    return row["CONV_OFFENSE_DESCR"] or row["DISP_OFFENSE_DESCR"] or charge(row)


def section(row: dict[str, str]) -> str:
    """`11360(A) HS`-style section of a row's charge, when written in the standard form."""
    found = SECTION.search(charge(row))
    return f"{found['section']} {found['code']}" if found else ""


def is_prop64(code_section: str) -> bool:
    return code_section.endswith(" HS") and code_section[:5] in PROP64


def p64(row: dict[str, str]) -> bool:
    """Convicted of a Prop 64 offense, in any spelling (not an attempt or the like)."""
    text = convicted_of(row)
    return bool(NAMES_PROP64.search(text)) and not NOT_SIMPLY.match(text)


@pytest.fixture(scope="module")
def convictions(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """One entry per convicted count (its first sentence-part row), with its section."""
    seen, result = set(), []
    for row in rows:
        key = (row["SUBJECT_ID"], row["CNT_ORDER"])
        if row["DISP_DESCR"].startswith("CONVICTED") and key not in seen:
            seen.add(key)
            result.append({**row, "section": section(row)})
    return result


def by_person(convictions: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for c in convictions:
        grouped[c["SUBJECT_ID"]].append(c)
    return grouped


# -- reproducible, well-formed ---------------------------------------------------------

def test_same_seed_gives_identical_bytes(tmp_path):
    first = generate_doj_file(tmp_path / "a.csv", county=COUNTY, people=60, seed=7)
    second = generate_doj_file(tmp_path / "b.csv", county="sacramento", people=60, seed=7)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.rows == second.rows > 0


def test_another_seed_or_county_gives_another_file():
    base = generate_doj_text(county=COUNTY, people=60, seed=7)
    assert generate_doj_text(county=COUNTY, people=60, seed=8) != base
    assert generate_doj_text(county="YOLO", people=60, seed=7) != base


def test_header_is_the_95_names_and_can_be_left_out():
    with_header = generate_doj_text(county=COUNTY, people=40, seed=1)
    without = generate_doj_text(county=COUNTY, people=40, seed=1, header=False)
    first_line, rest = with_header.split("\n", 1)
    assert first_line == ",".join(DOJ_COLUMNS)
    assert rest == without
    assert not without.startswith("RECORD_ID")


def test_every_line_has_95_fields_and_unix_line_ends(text):
    assert "\r" not in text and text.endswith("\n")
    lines = list(csv.reader(io.StringIO(text)))
    assert {len(line) for line in lines} == {95}


def test_file_result_describes_what_was_written(tmp_path):
    result = generate_doj_file(tmp_path / "out.csv", county="los_angeles", people=25, seed=3,
                               header=False)
    assert result.county == "LOS ANGELES" and result.people == 25 and result.seed == 3
    assert result.rows == result.path.read_text(encoding="utf-8").count("\n")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


# -- the shape of a RAP sheet ------------------------------------------------------------

def test_rows_per_person_like_real_files(rows, people):
    assert len(people) == PEOPLE
    assert 80 <= len(rows) / PEOPLE <= 105


def test_rows_of_a_person_are_contiguous_and_ordered(rows, people):
    order = [row["SUBJECT_ID"] for row in rows]
    runs = [sid for i, sid in enumerate(order) if i == 0 or order[i - 1] != sid]
    assert len(runs) == len(people)
    for person_rows in people.values():
        keys = [(r["CYC_ORDER"], r["STP_ORDER"], r["CNT_ORDER"], r["SENT_ORDER"])
                for r in person_rows]
        assert keys == sorted(keys)
        for r in person_rows:
            assert r["CNT_ORDER"][:3] == r["CYC_ORDER"] and r["CNT_ORDER"][3:6] == r["STP_ORDER"]
            assert len(r["CNT_ORDER"]) == 12


def test_identity_is_the_same_on_every_row_of_a_person(people):
    for person_rows in people.values():
        for column in ("CII_NUMBER", "PRI_NAME", "GENDER", "PRI_DOB", "PRI_SSN", "FBI_NUMBER"):
            assert len({r[column] for r in person_rows}) == 1


def test_identifiers_look_real_but_are_obviously_fake(rows, people):
    first_rows = [person_rows[0] for person_rows in people.values()]
    assert all(re.fullmatch(r"[A-Z' ]+,[A-Z]+( [A-Z])?", r["PRI_NAME"]) for r in first_rows)
    assert all(re.fullmatch(r"999\d{6}", r["PRI_SSN"]) for r in first_rows)
    assert all(re.fullmatch(r"X\d{7}", r["PRI_CDL"]) for r in first_rows)
    assert all(re.fullmatch(r"\d{8,9}", r["CII_NUMBER"]) for r in first_rows)
    assert any(r["CII_NUMBER"].startswith("0") for r in first_rows)
    assert all(r["REQ_SSN"] == r["PRI_SSN"] and r["RACE_DESCR"] for r in first_rows)
    assert {r[c] for r in rows for c in DOJ_COLUMNS if c.endswith("_SEG_SEP")} == {"#"}


def test_courts_name_their_county(rows):
    courts = [r for r in rows if r["STP_TYPE_DESCR"] == "COURT ACTION"]
    here = [r for r in courts if r["STP_ORI_CNTY_NAME"] == COUNTY]
    assert {r["STP_ORI_DESCR"] for r in here} <= {"CASC SACRAMENTO", "CAMC SACRAMENTO"}
    assert {r["STP_ORI_CODE"] for r in here} >= {"CASCSACRAMENTO"}
    assert all(r["OFN"] or r["FE_NUM_CRT_CASE"] for r in courts)
    assert any(not r["OFN"] and r["FE_NUM_CRT_CASE"] for r in courts)
    assert any(not r["DISP_DATE"] for r in courts) and any(r["DISP_DATE"] for r in courts)


def test_dispositions_without_conviction(rows):
    dispositions = {r["DISP_DESCR"] for r in rows}
    assert {"DISMISSED", "ACQUITTED", "NO DISPOSITION REPORTED", "CONVICTED"} <= dispositions


# -- Prop 64 and the record around it ----------------------------------------------------

def test_everyone_has_a_prop64_conviction_mostly_in_the_county(convictions):
    grouped = by_person(convictions)
    with_p64 = {sid for sid, cs in grouped.items() if any(p64(c) for c in cs)}
    here = {c["SUBJECT_ID"] for c in convictions if p64(c) and c["STP_ORI_CNTY_NAME"] == COUNTY}
    assert len(with_p64) == PEOPLE
    assert PEOPLE * 0.9 <= len(here) < PEOPLE


def test_prop64_sections_and_subsections(convictions):
    sections = {c["section"] for c in convictions if is_prop64(c["section"])}
    assert {"11357(B) HS", "11357(C) HS", "11358 HS", "11359 HS", "11360(A) HS",
            "11360(B) HS"} <= sections
    descriptions = {c["OFFENSE_DESCR"] for c in convictions}
    assert "11360(A) HS-GIVE/ETC MARIJ OVER 1 OZ/28.5 GRM" in descriptions
    assert "11357(B) HS-POSSESS UNDER 1 OZ MARIJ" in descriptions


def test_levels_felony_misdemeanor_infraction_and_toc_only(convictions):
    levels = {c["CONV_STAT_DESCR"] for c in convictions}
    assert {"FELONY", "MISDEMEANOR", "INFRACTION", ""} <= levels
    toc_only = [c["OFFENSE_TOC"] for c in convictions if not c["CONV_STAT_DESCR"]]
    assert {"F", "M"} <= set(toc_only) <= {"F", "M", "I", "", "N"}
    assert sum(toc in ("F", "M", "I") for toc in toc_only) > 0.9 * len(toc_only)


def test_prop64_convictions_after_prop64_and_outside_the_county(convictions):
    prop64 = [c for c in convictions if p64(c)]
    assert any(c["STP_EVENT_DATE"] > "20161109" and c["STP_ORI_CNTY_NAME"] == COUNTY
               for c in prop64)
    assert any(c["STP_ORI_CNTY_NAME"] != COUNTY for c in prop64)
    assert any(not p64(c) and c["STP_ORI_CNTY_NAME"] != COUNTY for c in convictions)


def test_super_strikes_and_pc290_before_and_after_prop64(convictions):
    def listed(c: dict[str, str], sections: tuple[str, ...]) -> bool:
        return c["section"].endswith(" PC") and c["section"].startswith(sections)

    for sections in (SUPER_STRIKES, PC290):
        before = after = False
        for cs in by_person(convictions).values():
            p64_dates = [c["STP_EVENT_DATE"] for c in cs if p64(c)]
            for c in cs:
                if listed(c, sections):
                    before |= c["STP_EVENT_DATE"] < max(p64_dates)
                    after |= c["STP_EVENT_DATE"] > min(p64_dates)
        assert before and after, sections
    assert any(c["section"] == "187 PC" for c in convictions)


def test_registration_and_deceased_steps(rows):
    registrations = [r for r in rows if r["STP_TYPE_DESCR"] == "REGISTRATION"]
    assert registrations
    assert {r["OFFENSE_DESCR"] for r in registrations} == {"290 PC-REGISTRATION OF SEX OFFENDER"}
    deceased = [r for r in rows if r["STP_TYPE_DESCR"] == "DECEASED"]
    assert deceased
    for r in deceased:  # death is the last event of the record
        assert r["CYC_DATE"] >= max(x["STP_EVENT_DATE"] for x in rows
                                    if x["SUBJECT_ID"] == r["SUBJECT_ID"])


def test_ages_under_21_over_65_and_missing_dates(people):
    dobs = [person_rows[0]["PRI_DOB"] for person_rows in people.values()]
    full = [d for d in dobs if len(d) == 8 and not d.endswith("0000")]
    assert any(d > "19990701" for d in full)  # under 21 on 2020-07-01
    assert any(d < "19550701" for d in full)  # over 65
    assert "" in dobs
    assert any(d.endswith("0000") for d in dobs)
    for person_rows in people.values():
        r = person_rows[0]
        if r["PRI_DOB"] and not r["PRI_DOB"].endswith("0000"):
            assert int(r["CYC_AGE"]) == (int(r["CYC_DATE"]) - int(r["PRI_DOB"])) // 10000


def test_multi_part_sentences_and_still_serving(rows, convictions):
    parts: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        if r["SENT_ORDER"]:
            parts[(r["SUBJECT_ID"], r["CNT_ORDER"])].append(r)
    assert any(len(p) >= 3 for p in parts.values())
    assert {r["SENT_TIME_CODE"] for p in parts.values() for r in p} == {"D", "M", "Y"}
    assert {r["SENT_LOC_DESCR"] for p in parts.values() for r in p} == {
        "JAIL", "PRISON", "PROBATION"}
    days = {"D": 1, "M": 30.4375, "Y": 365.25}

    def ends_after_2020(p: list[dict[str, str]]) -> bool:
        year, month = int(p[0]["STP_EVENT_DATE"][:4]), int(p[0]["STP_EVENT_DATE"][4:6])
        total = sum(int(r["SENT_LENGTH"]) * days[r["SENT_TIME_CODE"]] for r in p)
        return year + (month - 1) / 12 + total / 365.25 > 2020.6

    serving = [p for p in parts.values()
               if p[0]["CONV_STAT_DESCR"] == "FELONY" and p[0]["SENT_LOC_DESCR"] == "PRISON"
               and ends_after_2020(p)]
    assert serving
    assert any(p64(p[0]) for p in serving)


def test_only_prop64_people_and_repeat_priors(convictions):
    grouped = by_person(convictions)
    assert any(all(p64(c) for c in cs) for cs in grouped.values())
    repeated = False
    for cs in grouped.values():
        counts: dict[str, set[str]] = defaultdict(set)
        for c in cs:
            if is_prop64(c["section"]):
                counts[c["section"]].add(c["STP_EVENT_DATE"])
        repeated |= any(len(dates) >= 3 for dates in counts.values())
    assert repeated  # a conviction with two earlier ones of the same section


def test_related_charges_in_the_same_case_as_prop64(convictions):
    cases: dict[tuple[str, str], set[str]] = defaultdict(set)
    for c in convictions:
        cases[(c["SUBJECT_ID"], c["CYC_ORDER"])].add(c["section"])
    found = {s for sections in cases.values() if any(map(is_prop64, sections))
             for s in sections if s in RELATED}
    assert {"647(F) PC", "11364 HS", "148(A)(1) PC"} <= found


def test_charges_only_in_comment_text(rows, convictions):
    hidden = [r for r in rows if r["OFFENSE_DESCR"] in ("", "SEE COMMENT FOR CHARGE")
              and r["STP_TYPE_DESCR"] in ("ARREST/DETAINED/CITED", "COURT ACTION")]
    assert hidden and all(section(r) or NAMES_PROP64.search(r["COMMENT_TEXT"]) for r in hidden)
    assert {r["OFFENSE_DESCR"] for r in hidden} == {"", "SEE COMMENT FOR CHARGE"}
    assert any(r["COMMENT_TEXT"].startswith("CHARGE ") for r in hidden)
    assert any(not r["COMMENT_TEXT"].startswith("CHARGE ") for r in hidden)
    assert 0.002 < len(hidden) / len(rows) < 0.03
    mentions = [c for c in convictions if c["OFFENSE_DESCR"] not in ("", "SEE COMMENT FOR CHARGE")
                and re.search(r"\b1135[7-9]|\b11360", c["COMMENT_TEXT"])
                and c["COMMENT_TEXT"][:5] != c["section"][:5]]
    assert mentions


# -- every way DOJ writes an offense, a level, a disposition (issue 9) -------------------

def in_county(convictions: list[dict[str, str]]) -> list[dict[str, str]]:
    return [c for c in convictions if c["STP_ORI_CNTY_NAME"] == COUNTY]


@pytest.mark.parametrize("written", [
    "11357B2 HS-", "11360A HS-", "11359B HS-", "11360A2 HS-",  # subdivisions glued
    "11359HS-", "11357(C)HS-",  # code glued
    "11360 (A) HS-",  # subdivision spaced
    "11357(b) HS-",  # lower case
    "11360(B) SELL/FURNISH/ETC MARIJUANA/HASH",  # no code
    "HS 11359-POSS MARIJ FOR SALE",  # code first
    "11359 HSC-", "11359 H&S-",  # code aliases
    "/11357 HS-", "11357.0 HS-",  # stray marks
    "11359/11360 HS-",  # two Prop 64 sections
    "11350/11359 HS-",  # a Prop 64 section with another law
    "664/11359 HS-", "664-11357(C) HS-", "66411357(C) HS-",  # attempts
    "182 PC/11359 HS-",  # conspiracy
])
def test_prop64_convictions_in_the_county_in_every_spelling(convictions, written):
    assert any(c["OFFENSE_DESCR"].startswith(written) for c in in_county(convictions))


@pytest.mark.parametrize("written", [
    "11357.5 HS-POSS SYNTHETIC CANNABINOID", "11362.3", "11361(A) HS-",
    "23222(B) VC-POSS MARIJ WHILE DRIVING",
])
def test_lookalikes_are_convictions_of_other_laws(convictions, written):
    found = [c for c in convictions if c["OFFENSE_DESCR"].startswith(written)]
    assert found and not any(NAMES_PROP64.search(c["OFFENSE_DESCR"]) for c in found)


def test_super_strike_written_with_military_and_veterans_code(convictions):
    assert any(c["OFFENSE_DESCR"].startswith("1672(A) MV-") for c in convictions)


def test_standard_spelling_is_the_rule_variants_a_few_percent(convictions):
    """In the file: most Prop 64 convictions in the standard form. In the generator's
    weights: variants a few percent in all, each well under 1 %; look-alikes rare."""
    prop64 = [c["OFFENSE_DESCR"] for c in convictions if NAMES_PROP64.search(c["OFFENSE_DESCR"])]
    standard = re.compile(r"^1135[7-9]|^11360")
    plain = [t for t in prop64 if standard.match(t) and re.match(r"^\d+(\(\w+\))* HS-", t)]
    assert len(plain) > 0.85 * len(prop64)
    total = sum(e[3] for e in PROP64_OFFENSES + PROP64_SPELLINGS + PROP64_NAMED)
    variants = [e[3] / total for e in PROP64_SPELLINGS + PROP64_NAMED]
    assert 0.02 < sum(variants) < 0.06 and max(variants) < 0.005
    others = sum(e[3] for e in OTHER_OFFENSES + LOOKALIKE_OFFENSES)
    assert sum(e[3] for e in LOOKALIKE_OFFENSES) / others < 0.015


def test_level_written_every_way_unknown_ones_rare(convictions):
    prop64 = [c for c in in_county(convictions) if p64(c)]
    written = {(c["CONV_STAT_DESCR"], c["OFFENSE_TOC"] if not c["CONV_STAT_DESCR"] else "")
               for c in prop64}
    assert {("FELONY", ""), ("MISDEMEANOR", ""), ("INFRACTION", ""), ("", "F"), ("", "M"),
            ("F", ""), ("FEL", ""), ("UNKNOWN", ""), ("felony", ""), ("", ""),
            ("", "N")} <= written
    unknown = [c for c in convictions if c["CONV_STAT_DESCR"] in ("F", "FEL", "UNKNOWN")
               or (not c["CONV_STAT_DESCR"] and c["OFFENSE_TOC"] not in ("F", "M", "I"))]
    assert 0 < len(unknown) < 0.02 * len(convictions)


@pytest.mark.parametrize(("charged", "convicted"), [
    ("11350(A) HS-", "11357(A) HS-"),  # a Prop 64 conviction on another charge
    ("11359 HS-", "11357(B) HS-"),  # a plea to a lesser Prop 64 offense
    ("11359 HS-", "11350(A) HS-"),  # charged with Prop 64, convicted of another law
])
def test_convicted_of_another_offense_than_charged(convictions, charged, convicted):
    assert any(c["OFFENSE_DESCR"].startswith(charged) and (
        c["DISP_OFFENSE_DESCR"].startswith(convicted)
        or c["CONV_OFFENSE_DESCR"].startswith(convicted)) for c in in_county(convictions))


def test_offense_convicted_of_mostly_left_empty(rows, convictions):
    written = [c for c in convictions if c["DISP_OFFENSE_DESCR"] or c["CONV_OFFENSE_DESCR"]]
    assert 0 < len(written) < 0.05 * len(convictions)
    assert all(r["DISP_DESCR"].startswith("CONVICTED") for r in rows
               if r["DISP_OFFENSE_DESCR"] or r["CONV_OFFENSE_DESCR"])
    assert any(c["DISP_OFFENSE_DESCR"] == c["OFFENSE_DESCR"] for c in written)  # no plea
    for column in ("DISP_OFFENSE_DESCR", "CONV_OFFENSE_DESCR"):  # either, or both
        assert any(c[column] and not c[other] for c in written
                   for other in {"DISP_OFFENSE_DESCR", "CONV_OFFENSE_DESCR"} - {column})
    assert any(c["DISP_OFFENSE_DESCR"] and c["CONV_OFFENSE_DESCR"] for c in written)


def test_comment_charges_not_first_and_without_code(convictions):
    comments = [c["COMMENT_TEXT"] for c in in_county(convictions)
                if c["OFFENSE_DESCR"] in SEE_COMMENT]
    assert any(re.fullmatch(r"CNT \d\d CHRG-(1135[7-9]|11360)\S* HS .+", t) for t in comments)
    assert any(re.fullmatch(r"CNT \d\d (1135[7-9]|11360)(\(\w\))* [A-Z/]+", t) for t in comments)


def test_conviction_of_another_law_whose_comment_names_prop64(convictions):
    assert any(c["OFFENSE_DESCR"] not in SEE_COMMENT and not NAMES_PROP64.search(c["OFFENSE_DESCR"])
               and NAMES_PROP64.search(c["COMMENT_TEXT"]) for c in in_county(convictions))


def test_prop64_convictions_by_county_as_the_text_shows(convictions, tmp_path):
    """The generator's own count of convictions naming HS 11357-11360 (for differential
    tests of the reader) is what the raw text shows, county by county."""
    shown: dict[str, int] = defaultdict(int)
    for c in convictions:
        if any(NAMES_PROP64.search(c[column]) for column in TEXTS):
            shown[c["STP_ORI_CNTY_NAME"]] += 1
    counted = prop64_convictions_by_county(COUNTY, PEOPLE, SEED)
    assert counted == shown
    assert counted[COUNTY] > PEOPLE
    made = generate_doj_file(tmp_path / "small.csv", county="yolo", people=40, seed=5,
                             header=False)
    assert made.prop64_convictions_by_county() == prop64_convictions_by_county("YOLO", 40, 5)


# -- input errors ------------------------------------------------------------------------

def test_county_accepts_any_case_and_lists_58_counties():
    assert len(california_counties()) == 58
    assert county_name("los angeles") == "LOS ANGELES"
    assert county_name(" San_Luis-Obispo County ") == "SAN LUIS OBISPO"


def test_unknown_county_names_close_matches():
    with pytest.raises(InputError) as error:
        generate_doj_text(county="Sacramneto", people=5, seed=1)
    assert error.value.where == "--county"
    assert "SACRAMENTO" in error.value.fix


def test_unknown_county_without_close_match():
    with pytest.raises(InputError) as error:
        county_name("Gotham")
    assert "Gotham" in error.value.what and "Did you mean" not in error.value.fix


@pytest.mark.parametrize("people", [0, -3, 2.5, True])
def test_bad_number_of_people(people):
    with pytest.raises(InputError) as error:
        generate_doj_text(county=COUNTY, people=people, seed=1)
    assert error.value.where == "--people"


def test_bad_seed():
    with pytest.raises(InputError) as error:
        generate_doj_text(county=COUNTY, people=3, seed=-1)
    assert error.value.where == "--seed"
