"""The public shape of the CA DOJ research file (see shared spec doj-research-file.md).

One place that names the 95 columns, what counts as empty and how dates look, so that
the reader, the generator and the writers agree.
"""

from __future__ import annotations

DOJ_COLUMNS: tuple[str, ...] = (
    "RECORD_ID", "SUBJECT_STATUS", "SUBJECT_ID", "REQ_SEG_SEP", "REQ_CII_NUMBER", "REQ_NAME",
    "REQ_GENDER", "REQ_DOB", "REQ_CDL", "REQ_SSN", "PII_SEG_SEP", "CII_NUMBER", "PRI_NAME",
    "GENDER", "PRI_DOB", "PRI_SSN", "PRI_CDL", "PRI_IDN", "PRI_INN", "FBI_NUMBER",
    "PDR_SEG_SEP", "RACE_CODE", "RACE_DESCR", "EYE_COLOR_CODE", "EYE_COLOR_DESCR",
    "HAIR_COLOR_CODE", "HAIR_COLOR_DESCR", "HEIGHT", "WEIGHT", "SINGLE_SOURCE",
    "MULTI_SOURCE", "POB_CODE", "POB_NAME", "POB_TYPE", "CITIZENSHIP_LIST", "CYC_SEG_SEP",
    "CYC_ORDER", "CYC_DATE", "STP_SEG_SEP", "STP_ORDER", "STP_EVENT_DATE", "STP_TYPE_CODE",
    "STP_TYPE_DESCR", "STP_ORI_TYPE", "STP_ORI_TYPE_DESCR", "STP_ORI_CODE", "STP_ORI_DESCR",
    "STP_ORI_CNTY_CODE", "STP_ORI_CNTY_NAME", "CNT_SEG_SEP", "CNT_ORDER", "DISP_DATE", "OFN",
    "OFFENSE_CODE", "OFFENSE_DESCR", "OFFENSE_TOC", "OFFENSE_QUAL_LST", "DISP_OFFENSE_CODE",
    "DISP_OFFENSE_DESCR", "DISP_OFFENSE_TOC", "DISP_OFFENSE_QUAL_LST", "CONV_OFFENSE_ORDER",
    "CONV_OFFENSE_CODE", "CONV_OFFENSE_DESCR", "CONV_OFFENSE_TOC", "CONV_OFFENSE_QUAL_LST",
    "FE_NUM_ORDER", "FE_NUM_ARR_AGY", "FE_NUM_BNCH_WARR", "FE_NUM_CITE", "FE_NUM_DOCKET",
    "FE_NUM_INCIDENT", "FE_NUM_BOOKING", "FE_NUM_NUMBER", "FE_NUM_REMAND", "FE_NUM_OOS_INN",
    "FE_NUM_CRT_CASE", "FE_NUM_WARRANT", "DISP_ORDER", "DISP_CODE", "DISP_DESCR",
    "CONV_STAT_CODE", "CONV_STAT_DESCR", "SENT_SEG_SEP", "SENT_ORDER", "SENT_LOC_CODE",
    "SENT_LOC_DESCR", "SENT_LENGTH", "SENT_TIME_CODE", "SENT_TIME_DESCR", "CYC_AGE",
    "CII_TYPE", "CII_TYPE_ALPHA", "COMMENT_TEXT", "END_OF_REC",
)
assert len(DOJ_COLUMNS) == 95

#: Columns the engine reads to build convictions and facts; everything else is carried
#: through untouched (for the results CSV) but never interpreted.
FACT_COLUMNS: tuple[str, ...] = (
    "SUBJECT_ID", "CII_NUMBER", "PRI_NAME", "GENDER", "PRI_DOB",
    "CYC_ORDER", "CYC_DATE", "STP_ORDER", "STP_EVENT_DATE", "STP_TYPE_DESCR",
    "STP_ORI_CODE", "STP_ORI_DESCR", "STP_ORI_CNTY_NAME", "CNT_ORDER", "DISP_DATE", "OFN",
    "OFFENSE_DESCR", "OFFENSE_TOC", "DISP_OFFENSE_DESCR", "CONV_OFFENSE_DESCR",
    "FE_NUM_CRT_CASE", "DISP_DESCR", "CONV_STAT_DESCR",
    "SENT_ORDER", "SENT_LENGTH", "SENT_TIME_CODE", "CYC_AGE", "COMMENT_TEXT",
)

#: Columns a court never receives (personal identifiers and descriptions a court
#: clerk does not need to find and update a case).
PRIVATE_COLUMNS: tuple[str, ...] = (
    "REQ_SSN", "PRI_SSN", "REQ_CDL", "PRI_CDL", "FBI_NUMBER", "PRI_IDN", "PRI_INN",
    "RACE_CODE", "RACE_DESCR", "EYE_COLOR_CODE", "EYE_COLOR_DESCR", "HAIR_COLOR_CODE",
    "HAIR_COLOR_DESCR", "HEIGHT", "WEIGHT", "POB_CODE", "POB_NAME", "POB_TYPE",
    "CITIZENSHIP_LIST",
)

#: A field that is only spaces, "-" with spaces, or NULL is empty (DOJ placeholder).
EMPTY_PATTERN = r"^\s*(?:-?|NULL)\s*$"

#: Row columns the reader adds: which file and physical line each row came from.
SOURCE_FILE = "_source_file"
SOURCE_LINE = "_source_line"
