"""DOJ's codes and words for everything but offenses: sentence parts, dispositions,
conviction levels, step types, agencies and prisons (doj-research-file.md). The draws use
their indexes; only the column writers turn them into text."""

from __future__ import annotations

import numpy as np

from cmr_xl.engine.counties import california_counties

# Sentence templates: the parts a court orders for one count, one row each:
# (SENT_LOC_DESCR, shortest, longest, SENT_TIME_CODE).
SENTENCES: dict[str, tuple[tuple[str, int, int, str], ...]] = {
    "none": (),
    "probation": (("PROBATION", 12, 36, "M"),),
    "probation_jail": (("PROBATION", 24, 60, "M"), ("JAIL", 10, 180, "D")),
    "jail": (("JAIL", 1, 365, "D"),),
    "probation_jail_jail": (("PROBATION", 3, 5, "Y"), ("JAIL", 30, 365, "D"),
                            ("JAIL", 1, 30, "D")),
    "prison": (("PRISON", 16, 36, "M"),),
    "prison_enhanced": (("PRISON", 2, 4, "Y"), ("PRISON", 1, 3, "Y")),
    "prison_long": (("PRISON", 6, 9, "Y"), ("PRISON", 1, 3, "Y"), ("PRISON", 4, 12, "M")),
    "prison_serving": (("PRISON", 6, 12, "Y"), ("PRISON", 1, 4, "Y")),
    "prison_life": (("PRISON", 15, 25, "Y"), ("PRISON", 1, 10, "Y")),
}
SENT_NAMES = tuple(SENTENCES)
T = {name: i for i, name in enumerate(SENT_NAMES)}
# P(template) for the main count of a conviction, by level (felony, misdemeanor,
# infraction), and for a further convicted count of the same case.
SENTENCE_P = {
    0: {"probation_jail": 0.30, "probation_jail_jail": 0.20, "jail": 0.10, "prison": 0.20,
        "prison_enhanced": 0.20},
    1: {"none": 0.08, "probation": 0.22, "probation_jail": 0.40, "jail": 0.20,
        "probation_jail_jail": 0.10},
    2: {"none": 0.85, "probation": 0.15},
    3: {"none": 0.30, "jail": 0.40, "probation": 0.30},
}
LOC_CODES = {"PROBATION": "B", "JAIL": "J", "PRISON": "P"}
UNITS = {"D": "DAYS", "M": "MONTHS", "Y": "YEARS"}

DISPOSITIONS = (
    "", "CONVICTED", "CONVICTED-PROBATION", "CONVICTED-JAIL", "CONVICTED-PRISON",
    "DISMISSED", "DISMISSED/FURTHERANCE OF JUSTICE", "ACQUITTED",
    "NO DISPOSITION REPORTED", "RELEASED/DETENTION ONLY", "PROSECUTION REJECTED",
)
# How a conviction's level is written (doj-research-file.md, "Level"), with P(form):
# 0 CONV_STAT_DESCR (FELONY/MISDEMEANOR/INFRACTION), 1 empty status with the OFFENSE_TOC
# letter; then unknown levels, each rare: 2 status `F`, 3 `FEL`, 4 `UNKNOWN`, 6 both
# empty, 7 empty status with TOC `N`; and 5 `felony` in lower case (still a felony).
LEVEL_FORM_P = (0.9415, 0.05, 0.0015, 0.0015, 0.001, 0.002, 0.001, 0.001)
LOWER_FELONY = 5
STATUS_DESCR = ("FELONY", "MISDEMEANOR", "INFRACTION", "", "F", "FEL", "UNKNOWN", "felony")
STATUS_CODE = ("F", "M", "I", "", "", "", "", "F")
TOC = ("F", "M", "I", "", "N")


STEP_TYPES = (
    ("ARR", "ARREST/DETAINED/CITED"), ("CRT", "COURT ACTION"), ("CUS", "CUSTODY"),
    ("PRB", "PROBATION"), ("REG", "REGISTRATION"), ("DEC", "DECEASED"),
)
# Agencies per county: (ORI type, type description, descr prefix).
AGENCIES = (
    ("PD", "POLICE DEPARTMENT", "CAPD"), ("SO", "SHERIFF", "CASO"),
    ("HP", "HIGHWAY PATROL", "CAHP"), ("SC", "SUPERIOR COURT", "CASC"),
    ("MC", "MUNICIPAL COURT", "CAMC"), ("PR", "PROBATION DEPARTMENT", "CAPR"),
    ("CO", "CORONER", "CACO"),
)
PD, SO, HP, SC, MC, PR, CO = range(7)
_ORI_SUFFIXES = ("0100", "0000", "9600", None, None, "0130", "0120")  # None: court, by name
PRISONS = (
    ("CDC SAN QUENTIN", "MARIN"), ("CDC FOLSOM", "SACRAMENTO"), ("CDC CORCORAN", "KINGS"),
    ("CDC NORTH KERN", "KERN"), ("CDC CHINO", "SAN BERNARDINO"), ("CDC SOLEDAD", "MONTEREY"),
    ("CDC VACAVILLE", "SOLANO"),
)


PARTS_OF = np.array([len(SENTENCES[t]) for t in SENT_NAMES])
HAS_LOC = {loc: np.array([any(part[0] == loc for part in SENTENCES[t]) for t in SENT_NAMES])
           for loc in ("PROBATION", "JAIL", "PRISON")}
# The disposition suffix DOJ sometimes adds (CONVICTED-JAIL): the last part's place.
MAIN_LOC = np.array([("", "PROBATION", "JAIL", "PRISON").index(SENTENCES[t][-1][0])
                     if SENTENCES[t] else 0 for t in SENT_NAMES])


def agency_table() -> list[tuple[str, str, str, str, str, str]]:
    """(ORI code, ORI description, type, type description, county number, county) for
    every agency of every county, then the prisons. Court codes are CASC<COUNTY>
    (CAMC<COUNTY> for the municipal courts before 1998); others CA<county no.><agency>."""
    counties = california_counties()
    table = [
        (f"{prefix}{c.replace(' ', '')}" if suffix is None else f"CA{ci + 1:03d}{suffix}",
         f"{prefix} {c}", type_code, type_descr, f"{ci + 1:02d}", c)
        for ci, c in enumerate(counties)
        for (type_code, type_descr, prefix), suffix in zip(AGENCIES, _ORI_SUFFIXES, strict=True)
    ]
    for i, (institution, c) in enumerate(PRISONS):
        ci = counties.index(c)
        table.append((f"CA{ci + 1:03d}{9000 + i:04d}", institution, "CDC", "CORRECTIONS",
                      f"{ci + 1:02d}", c))
    return table
