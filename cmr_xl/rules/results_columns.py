"""The per-conviction facts and results columns: one declaration for every writer.

The CSV bundle, the workbook's Results sheet, the xlwings functions and the court
copies all take their column names, labels and order from here. `court` marks what a
court clerk needs to find and update a case (and nothing more); `engine` marks the facts
the rules read (eligibility.determine), the only ones the xlwings functions convert.
"""

from __future__ import annotations

from dataclasses import dataclass

from cmr_xl.rules.law import recent_years


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # text | date | number | bool
    description: str
    court: bool = False
    engine: bool = False


IDENTITY = (
    Column("person_id", "Subject ID", "text", "DOJ SUBJECT_ID", engine=True),
    Column("cii", "CII", "text", "State criminal identification number", court=True),
    Column("name", "Name", "text", "PRI_NAME, LAST,FIRST M", court=True),
    Column("dob", "Date of birth", "date", "PRI_DOB", court=True, engine=True),
    Column("county", "County", "text", "County of the court step"),
    Column("court", "Court", "text", "Court (STP_ORI_DESCR)", court=True),
    Column("court_ori", "Court ORI", "text", "Court ORI code", court=True),
    Column("case_number", "Case number", "text", "OFN, else FE_NUM_CRT_CASE", court=True),
    Column("cycle", "Cycle", "text", "CYC_ORDER", engine=True),
    Column("count_order", "Count", "text", "CNT_ORDER"),
    Column("conviction_type", "Conviction type", "text", "Prop 64, or Related charge", engine=True),
)

FACTS = (
    Column("conviction_date", "Conviction date", "date", "Court step date", court=True, engine=True),
    Column("code_section", "Code section", "text", "e.g. 11360(A) HS", court=True, engine=True),
    Column("section", "Section", "text", "11357, 11358, 11359 or 11360", engine=True),
    Column("offense", "Offense", "text",
           "The text the code section was read from (convicted-of offense, charge or comment)"),
    Column("charge_text", "Charged offense", "text", "OFFENSE_DESCR as DOJ wrote it"),
    Column("convicted_offense", "Convicted-of offense", "text",
           "CONV_OFFENSE_DESCR or DISP_OFFENSE_DESCR when DOJ filled it: it decides (pleas)"),
    Column("section_source", "Section read from", "text",
           "The DOJ column the code section was read from"),
    Column("offense_kind", "Offense needs review", "text",
           "attempt, conspiracy, combined (with another law), comment (named only in the "
           "comment) or unread; empty for a plain HS 11357-11360 conviction", engine=True),
    Column("other_sections", "Other sections named", "text",
           "Other laws named with the Prop 64 section, or the charge's own section", engine=True),
    Column("reading_notes", "How the record was read", "text",
           "A statute code inferred, a stray mark, an unknown level: what DOJ wrote", engine=True),
    Column("level", "Level", "text", "Felony, Misdemeanor, Infraction or Unknown", court=True, engine=True),
    Column("age_at_conviction", "Age at conviction", "number", "Whole years", engine=True),
    Column("prior_same_section", "Prior convictions, same section", "number",
           "Convictions of the same HS section dated before this one", engine=True),
    Column("super_strikes", "Super strikes on record", "text", "PC 667(e)(2)(C)(iv)", engine=True),
    Column("prior_super_strikes", "Prior super strikes", "text", "Dated before this conviction", engine=True),
    Column("pc290_offenses", "PC 290 offenses on record", "text", "PC 290(c)", engine=True),
    Column("prior_pc290_offenses", "Prior PC 290 offenses", "text",
           "Dated before this conviction", engine=True),
    Column("pc290_registration_date", "PC 290 registration", "date",
           "First PC 290 registration step", engine=True),
    Column("latest_conviction_date", "Latest conviction (any)", "date",
           "The person's most recent conviction anywhere", engine=True),
    Column("sentence_end", "Sentence end", "date", "Conviction date plus sentence", engine=True),
    Column("sentence_unreadable", "Sentence unreadable", "text",
           "Sentence parts DOJ wrote that cannot be read as a length (SENT_LENGTH, "
           "SENT_TIME_CODE as written); empty when every part was read", engine=True),
    Column("latest_sentence_end", "Latest sentence end (any)", "date",
           "Latest end of any sentence on the record", engine=True),
    Column("only_prop64", "Only Prop 64 convictions", "bool",
           "Every conviction is HS 11357-11360", engine=True),
    Column("deceased", "Deceased", "bool", "A DECEASED step on the record", engine=True),
    Column("other_felonies", "Other felonies", "number",
           "Felony convictions of the person other than this county's Prop 64 ones", engine=True),
    Column("other_convictions", "Other convictions", "number",
           "Convictions of the person other than this county's Prop 64 ones", engine=True),
    Column("latest_other_conviction_date", "Latest other conviction", "date",
           "Most recent conviction other than this county's Prop 64 ones", engine=True),
    Column("latest_unrelated_conviction_date", "Latest unrelated conviction", "date",
           "Most recent conviction that is neither a Prop 64 nor a related charge here", engine=True),
    Column("comment_prop64", "Other Prop 64 charge in comment", "text",
           "A different HS 11357-11360 section named only in COMMENT_TEXT: review"),
    Column("source_file", "Source file", "text", "DOJ file the row came from"),
    Column("source_line", "Source line", "number", "Line of the count's first row"),
)

#: What the rules add, in the order they appear after the facts.
DETERMINATION = (
    Column("age_as_of", "Age as of", "number", "Whole years at the as-of date"),
    Column("years_since_conviction", "Years since conviction", "number", "At the as-of date"),
    Column("still_serving", "Still serving", "bool", "Sentence ends after the as-of date"),
    Column("determination", "Eligibility Determination", "text",
           "Eligible for Dismissal, Eligible for Reduction, Not eligible or Hand review",
           court=True),
    Column("reason", "Eligibility Reason", "text", "One reason in plain words", court=True),
    Column("reason_category", "Reason category", "text",
           "The reason without any note after ';' (or the DA decision): what the Summary "
           "counts dismissals by"),
    Column("outcome", "Final outcome", "text",
           "The DA decision's outcome when there is one, else the Eligibility Determination: "
           "what the Summary, About and court copies count", court=True),
    Column("relief", "Relief", "text", "What the court does, for the final outcome",
           court=True),
    Column("trace", "Decision trace", "text",
           "The check that decided first, then the checks made before it, in order"),
    Column("person_first_row", "First row of person", "bool",
           "TRUE on one row per person, so that counts of people are COUNTIFS over it"),
    Column("person_relief", "Person gets relief", "bool",
           "Person-level: at least one conviction dismissed or reduced"),
    Column("no_felony_after", "No felony after relief", "bool",
           "Person-level: no felony left once this relief is granted"),
    Column("no_recent_conviction_after", f"No conviction in {recent_years()} years after relief",
           "bool", f"Person-level: no conviction left in the {recent_years()} years before the "
           "as-of date"),
    Column("no_conviction_after", "No conviction after relief", "bool",
           "Person-level: no conviction left at all"),
)

#: What the DA decides after review: typed by the clerk, read by recalculation and never
#: written by it (choices and grounds in law/da_decision.yaml).
DECISION = (
    Column("da_decision", "DA decision", "text",
           "accept (the determination), dismiss, reduce or challenge; empty: not reviewed",
           court=True),
    Column("da_grounds", "DA grounds", "text",
           "Grounds of a challenge (HS 11361.9(b)), or the DA's note", court=True),
)

FACT_COLUMNS = IDENTITY + FACTS
#: A Results row is a conviction when it names its code section (every row cmr-xl writes
#: does, also one whose offense text could not be read); a clerk's note below the table
#: does not. The workbook reader and the xlwings functions both decide so.
CONVICTION_MARKERS = ("code_section", "section")
#: The Results sheet's columns in the order a clerk reads them: who, what the rules
#: determined and why, what the DA decided, the final outcome and relief, how it was
#: decided, then the facts. Writer, readers (by label) and court copies follow it.
READING_ORDER = ("person_id", "cii", "name", "determination", "reason", "da_decision",
                 "da_grounds", "outcome", "relief", "trace")
_ALL = {c.key: c for c in FACT_COLUMNS + DETERMINATION + DECISION}
RESULT_COLUMNS = tuple(_ALL[k] for k in READING_ORDER) + tuple(
    c for c in FACT_COLUMNS + DETERMINATION + DECISION if c.key not in READING_ORDER)


def labels(columns: tuple[Column, ...]) -> list[str]:
    return [c.label for c in columns]


def keys(columns: tuple[Column, ...]) -> list[str]:
    return [c.key for c in columns]
