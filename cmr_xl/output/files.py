"""Writing files without ever losing the old one.

Every output (CSV, JSON, workbook, court copy) is written to a temporary file beside its
destination and moved over it only when the command's whole output set is ready (see
`output_set`): a crash, a kill or a full disk mid-write leaves the previous files whole.
The new file gets the old file's permissions, or those of a plain new file (mkstemp alone
would make it private to its owner).

`atomic_path(path)` yields a temporary path beside `path`, moved over `path` when the
running output set commits (at once when no command's output set is open): it is
`output_set.stage`.
"""

from __future__ import annotations

from cmr_xl.output.output_set import stage

__all__ = ["atomic_path"]

atomic_path = stage
