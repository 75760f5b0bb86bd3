"""Which xlwings runtime runs us, and what that changes for the scripts.

- xlwings Lite (Pyodide, `sys.platform == "emscripten"`): custom functions are registered
  without a namespace (`=CMR_DETERMINE`); files come and go through Lite's Files panel,
  seen by Python under /data.
- xlwings Server: functions are registered under the namespace of its manifest,
  `XLWINGS_FUNCTIONS_NAMESPACE` (upper case), with `_ENV` appended when
  `XLWINGS_ENVIRONMENT` is not "prod" (`=CMR.CMR_DETERMINE`, `=CMR_DEV.CMR_DETERMINE`).
  `cmr-xl serve` sets the namespace to CMR.
- classic Windows add-in (COM): no namespace.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

LITE_DATA = Path("/data")


def is_lite() -> bool:
    return sys.platform == "emscripten"


def on_server() -> bool:
    return os.environ.get("XLWINGS_ON_SERVER", "").lower() == "true" and not is_lite()


def functions_namespace() -> str:
    """The prefix Excel shows before our function names ("" for none)."""
    if not on_server():
        return ""
    config = sys.modules.get("xlwings_server.config")
    if config is not None:  # the running xlwings Server's own settings
        namespace = config.settings.functions_namespace or ""
        environment = config.settings.environment
    else:
        namespace = os.environ.get("XLWINGS_FUNCTIONS_NAMESPACE", "")
        environment = os.environ.get("XLWINGS_ENVIRONMENT", "prod")
    namespace = namespace.strip().upper()
    if environment != "prod":  # as xlwings Server's manifest template writes it
        namespace = f"{namespace}_{environment.upper()}" if namespace else environment.upper()
    return namespace


def function_name(name: str) -> str:
    """`name` as a formula in this runtime must spell it (CMR_DETERMINE -> CMR.CMR_DETERMINE)."""
    namespace = functions_namespace()
    return f"{namespace}.{name}" if namespace else name
