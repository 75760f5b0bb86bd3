"""The CA DOJ research file: its columns (`doj_format`) and the streaming reader
(`reader`, put together from the parts named in its docstring)."""

from cmr_xl.doj.accounting import FileReport, RejectedRow, RowAccounting
from cmr_xl.doj.reader import (
    NORMALIZED_COLUMNS,
    OUTPUT_SCHEMA,
    iter_person_batches,
    normalize_columns,
    read_all,
)

__all__ = ["NORMALIZED_COLUMNS", "OUTPUT_SCHEMA", "FileReport", "RejectedRow", "RowAccounting",
           "iter_person_batches", "normalize_columns", "read_all"]
