"""Shared test helpers: decide a hand-built RAP sheet under some criteria."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from rapsheet import COUNTY, RapSheet  # noqa: E402

from cmr_xl.engine.criteria import Criteria  # noqa: E402
from cmr_xl.engine.eligibility import determine  # noqa: E402
from cmr_xl.engine.facts import convictions_from_table  # noqa: E402


def decide(sheet: RapSheet, criteria: Criteria | None = None, county: str = COUNTY) -> pd.DataFrame:
    """Facts and determinations for every conviction the county reviews."""
    facts = convictions_from_table(sheet.table(), county).facts
    determined = determine(facts, criteria or Criteria())
    return pd.concat([facts, determined], axis=1)


@pytest.fixture
def sheet() -> RapSheet:
    return RapSheet()


@pytest.fixture(scope="module")
def xl():
    """xlwings' server machinery with our functions and scripts, as xlwings Server runs
    them: (xlwings.server, functions module, scripts module)."""
    from xlwings_helpers import xlwings_server

    with xlwings_server() as modules:
        yield modules
