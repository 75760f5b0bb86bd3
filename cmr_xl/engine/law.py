"""Load the law's data files (cmr_xl/law/*.yaml) once.

The lists and dates live in data with their citations so that a county can review and
amend them without reading code.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load_law(name: str) -> dict[str, Any]:
    """The parsed YAML file `cmr_xl/law/<name>.yaml`."""
    text = resources.files("cmr_xl.law").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def prop64_effective_date() -> date:
    """Prop 64 took effect 2016-11-09; later dispositions are not eligible."""
    return load_law("prop64")["effective_date"]["value"]


def statewide_as_of() -> date:
    """The as-of date of the statewide review (HS 11361.9)."""
    return load_law("prop64")["statewide_as_of"]["value"]
