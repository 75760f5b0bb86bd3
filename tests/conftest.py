"""Shared test helpers: decide a hand-built RAP sheet under some criteria."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from rapsheet import COUNTY, RapSheet  # noqa: E402

from cmr_xl.rules.criteria import Criteria  # noqa: E402
from cmr_xl.rules.eligibility import determine  # noqa: E402
from cmr_xl.rules.facts import convictions_from_table  # noqa: E402


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


# --- markers: the slow tests an everyday `pytest -m "not slow"` leaves out --------------

#: What a test (or a helper or fixture it uses) writes when it starts another program.
_STARTS = {"libreoffice": ("soffice", "libreoffice"),
           "subprocess": ("subprocess", "Popen", "sys.executable", "os.kill", "signal.")}


@functools.cache
def _sources(function, depth: int = 2) -> tuple[str, ...]:
    """The source of `function` and of the test helpers it names, `depth` calls deep."""
    import inspect

    try:
        found = (inspect.getsource(function),)
    except (OSError, TypeError):
        return ()
    if depth:
        module = inspect.getmodule(function)
        for name in getattr(getattr(function, "__code__", None), "co_names", ()):
            helper = getattr(module, name, None)
            if inspect.isfunction(helper) and helper is not function and \
                    Path(inspect.getfile(helper)).parent == Path(__file__).parent:
                found += _sources(helper, depth - 1)
    return found


@functools.cache
def _starts(function) -> frozenset[str]:
    """The kinds of program (`_STARTS`) that `function` or a helper it names starts; read
    once per function (a parametrised test and a shared fixture are one function)."""
    text = "\n".join(_sources(function))
    return frozenset(kind for kind, words in _STARTS.items() if any(w in text for w in words))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that starts LibreOffice, another process or the xlwings Server
    (`libreoffice`, `subprocess`, `server`) also `slow`; CI runs them all."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        functions = [getattr(item, "function", None)] + [
            defs[-1].func for defs in (info.name2fixturedefs.values() if info else ())]
        kinds = set().union(*(_starts(f) for f in functions if f is not None))
        if item.get_closest_marker("server"):
            kinds.add("server")
        for kind in sorted(kinds):
            if kind != "server":
                item.add_marker(getattr(pytest.mark, kind))
        if kinds:
            item.add_marker(pytest.mark.slow)
