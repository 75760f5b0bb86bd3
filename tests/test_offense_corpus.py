"""Offense texts as DOJ really writes them, read by the one reader of code sections.

The table (tests/data/offense_texts.yaml) was gathered from outside this project, each
entry with where it was seen: Code for America's gogen, gogen_pilots, rap_sheet_parser and
San Francisco's autoclearance fixtures and generators, and DOJ's offense code table as
published in SanDiegoCountySheriff/Cal-RIPA; a few are constructed, and say what they stand
for. Our own generator is never the oracle for our reader.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from cmr_xl.rules.code_sections import (
    PROP64,
    mentions_prop64,
    offense_list,
    parse_sections,
    read_offense,
)

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "offense_texts.yaml").read_text())
REVIEW = {"attempt", "conspiracy", "combined"}


def _id(entry: dict) -> str:
    return repr(entry["text"])[:60]


def test_the_corpus_is_large_varied_and_sourced():
    assert len(CORPUS) >= 80
    classes = {e["prop64"] for e in CORPUS}
    assert classes == {"yes", "review", "no"}
    assert all(e["source"] and e["why"] for e in CORPUS)
    outside = [e for e in CORPUS if not e["source"].startswith("constructed")]
    assert len(outside) >= 0.8 * len(CORPUS), "most entries must be seen outside the project"


@pytest.mark.parametrize("entry", CORPUS, ids=_id)
def test_each_offense_text_names_the_sections_doj_meant(entry):
    reading = read_offense(entry["text"], anywhere=entry.get("field") == "COMMENT_TEXT")
    named = [t.text() for t in reading.targets] if reading else []
    assert named == entry["sections"], entry["why"]
    assert (reading.inchoate if reading else "") == (entry.get("inchoate") or ""), entry["why"]


@pytest.mark.parametrize("entry", CORPUS, ids=_id)
def test_each_offense_text_is_prop64_for_review_or_not_as_a_lawyer_would_say(entry):
    """`yes`: decided by the rules; `review`: hand review (an attempt, conspiracy, another
    law in the same count, or a Prop 64 number under the wrong code); `no`: another law."""
    anywhere = entry.get("field") == "COMMENT_TEXT"
    parsed = parse_sections(pd.Series([entry["text"]]), anywhere=anywhere).iloc[0]
    reading = parsed["prop64_reading"]
    mentioned = bool(mentions_prop64(pd.Series([entry["text"]])).iloc[0])
    said = "yes" if reading == PROP64 else "review" if reading in REVIEW or mentioned else "no"
    assert said == entry["prop64"], entry["why"]


def _listed(name: str, text: str) -> bool:
    return bool(offense_list(name).match(parse_sections(pd.Series([text]))).iloc[0])


@pytest.mark.parametrize(("text", "listed"), [
    ("1672(A) MV-X", True),   # DOJ writes the Military and Veterans Code "MV"
    ("664/187 PC-ATTEMPTED MURDER", True),
    ("187-664 PC", True),     # the attempt marker after the section
    ("664187 PC", True),      # glued: no code has a six-digit section 664xxx
    ("182 PC/187 PC", False),  # conspiracy is not "including attempts"
    ("288A(C)(1) PC-LEWD", True),  # section 288a, subdivision (c)
    ("PC187-MURDER", True),   # the code first and glued (pdfhook's PC496, HS11357)
    ("PC664/PC187", True),    # an attempt, each section with its code glued before it
])
def test_a_super_strike_is_found_in_every_spelling_and_only_attempts_extend_it(text, listed):
    assert _listed("super_strikes", text) is listed


def test_a_related_charge_written_with_glued_letters_is_still_a_related_charge():
    """`647F PC` is how some files write PC 647(f): the list reads both ways."""
    assert _listed("related_charges", "647F PC-DRUNK IN PUBLIC")
