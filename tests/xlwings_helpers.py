"""xlwings' server machinery on Linux, as xlwings Server runs it, and Office.js payloads.

xlwings Server sets XLWINGS_ON_SERVER=true before importing xlwings, which makes the
portable decorators (`from xlwings import func, arg, ret, script`) register functions
and scripts; its PRO modules need XLWINGS_LICENSE_KEY ("noncommercial" here, under the
PolyForm Noncommercial licence). The fixture sets both, reloads xlwings and our modules,
and restores the environment afterwards.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from python_calamine import CalamineWorkbook

EPOCH = date(1899, 12, 30)


@contextmanager
def xlwings_server() -> Iterator[tuple[ModuleType, ModuleType, ModuleType]]:
    saved = {k: os.environ.get(k) for k in ("XLWINGS_LICENSE_KEY", "XLWINGS_ON_SERVER")}
    os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"
    os.environ["XLWINGS_ON_SERVER"] = "true"
    try:
        import xlwings

        importlib.reload(xlwings)
        import xlwings.server as server

        import cmr_xl.xlwings_app.functions as functions
        import cmr_xl.xlwings_app.scripts as scripts

        functions = importlib.reload(functions)
        scripts = importlib.reload(scripts)
        yield server, functions, scripts
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def office_value(value: Any) -> Any:
    """A cell as Office.js sends it: dates as serial numbers, empty cells as ""."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return float((value - EPOCH).days)
    return value


def sheet_values(path: Path, sheet: str) -> list[list[Any]]:
    """A sheet's values from A1, as an Office.js client reads its used range."""
    data = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet)
    rows = [[office_value(None if v == "" else v) for v in row] for row in data.to_python()]
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


def book_payload(path: Path, tables: dict[str, dict] | None = None) -> dict[str, Any]:
    """The JSON an xlwings Office.js client posts for a script, built from a real file."""
    import xlwings

    names = CalamineWorkbook.from_path(str(path)).sheet_names
    sheets = []
    for name in names:
        values = sheet_values(path, name)
        sheets.append({
            "name": name, "values": values, "pictures": [], "tables":
            [tables[name]] if tables and name in tables else [],
            "used_range_address": f"A1:{_col(len(values[0]))}{len(values)}",
        })
    return {"client": "Office.js", "version": xlwings.__version__,
            "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"},
            "names": [], "sheets": sheets}


def _col(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def function_call(name: str, *args: Any) -> dict[str, Any]:
    """An Office.js custom-function request (each range argument a 2-D list)."""
    import xlwings

    return {"func_name": name, "args": list(args), "caller_address": "Live!A2",
            "version": xlwings.__version__, "runtime": "1.4", "client": "Office.js",
            "content_language": "en-US"}


def call(xl: tuple[ModuleType, ModuleType, ModuleType], name: str, *args: Any) -> Any:
    """One custom-function call through xlwings Server's machinery, as Office.js makes it."""
    import asyncio

    server, functions, _ = xl
    return asyncio.run(server.custom_functions_call(function_call(name, *args), functions))


def criteria_rows() -> slice:
    """The rows of the criteria block (Criteria!A5:C23) in a sheet's values."""
    from cmr_xl.workbook import layout as L

    return slice(L.criterion_cells()[0].row, L.criterion_cells()[-1].row + 1)
