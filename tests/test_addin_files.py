"""What IT installs (addin/): the module files each runtime loads register exactly our
functions and scripts, as xlwings Server's machinery sees them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ADDIN = Path(__file__).resolve().parents[1] / "addin"
FUNCTIONS = {"CMR_DETERMINE", "CMR_CRITERIA_SENTENCES", "CMR_VERSION"}


def load(relative: str):
    spec = importlib.util.spec_from_file_location(relative.replace("/", "_")[:-3],
                                                  ADDIN / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("relative", ["xlwings-server/cmr_functions.py", "xlwings-lite/main.py"])
def test_the_function_files_register_our_functions(xl, relative):
    server = xl[0]
    meta = server.custom_functions_meta(load(relative))
    assert {f["name"] for f in meta["functions"]} == FUNCTIONS


@pytest.mark.parametrize(("relative", "scripts"), [
    ("xlwings-server/cmr_scripts.py", {"import_doj_file", "recalculate", "make_live",
                                       "freeze_results", "export_court_copies"}),
    ("xlwings-lite/main.py", {"import_doj_file", "recalculate", "make_live", "freeze_results",
                              "export_court_copies", "export_court_copies_send_pending"}),
    # files through Lite's /data
])
def test_the_script_files_offer_our_scripts(xl, relative, scripts):
    module = load(relative)
    offered = {name for name in dir(module)
               if getattr(getattr(module, name), "__xlscript__", None) is not None}
    assert offered == scripts
