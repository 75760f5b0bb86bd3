"""Synthetic CA DOJ research files (the Prop 64 / AB 1793 bulk extract). Never real data.

Why: demos, tests and benchmarks need county files with the shape and the traps of real
ones (long RAP sheets, convictions in other counties, super strikes, PC 290, charges only
in COMMENT_TEXT, partial dates, multi-part sentences) without anyone's record. Names are
common names drawn at random; SSNs start with 999, licences with X, FBI numbers carry ZZ.

Offense texts, levels and dispositions come in the whole variety of doj-research-file.md,
with weights like a real file's: most Prop 64 texts in the standard form, spellings (glued,
spaced, lower case, code missing/first/aliased, stray marks, compounds), attempts,
conspiracies and look-alikes each rare; unknown levels, pleas written in DISP_/
CONV_OFFENSE_DESCR and charges inside COMMENT_TEXT likewise. A file of a few hundred people
shows each at least once. `prop64_convictions_by_county` says, in the generator's own
terms, how many convictions naming HS 11357-11360 a file holds (for differential tests).

How it stays fast: the file is built level by level as numpy arrays (person -> cycle ->
step -> count -> sentence part, each level an np.repeat of the one above, so rows of a
person are contiguous and ordered). Every text value is a code into a small table that
is CSV-escaped once. Per batch of people, Arrow joins the fields of each level (person,
cycle, step, count) and only then repeats them down to the rows, so per-row work is a
dozen Arrow calls per batch whatever the number of columns.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cmr_xl.common.errors import InputError
from cmr_xl.doj.doj_format import DOJ_COLUMNS
from cmr_xl.engine.counties import california_counties, county_name
from cmr_xl.output.files import atomic_path
from cmr_xl.rules.law import load_law, prop64_effective_date, statewide_as_of

MAX_PEOPLE = 1_000_000
_EVERY_FEATURE_FROM = 100  # people: from this size on, a file shows every feature
BATCH_ROWS = 200_000  # rows joined and written at a time: bounded memory, reused pages


@dataclass
class GeneratedFile:
    """What `generate_doj_file` wrote."""

    path: Path
    people: int
    rows: int
    county: str
    seed: int

    def prop64_convictions_by_county(self) -> dict[str, int]:
        """See the module function of that name."""
        return prop64_convictions_by_county(self.county, self.people, self.seed)


# ---------------------------------------------------------------------------------------
# Counties

@cache
def _county_populations() -> np.ndarray:
    return np.array([e["population"] for e in load_law("counties")["counties"]], dtype=float)


# ---------------------------------------------------------------------------------------
# Offenses, as DOJ writes them: `SECTION CODE-DESCRIPTION`.
# Each entry: (OFFENSE_DESCR, P(felony), P(misdemeanor), weight); the remaining
# probability is an infraction. Weights are relative within a group.

PROP64_OFFENSES: tuple[tuple[str, float, float, float], ...] = (
    ("11357 HS-POSSESS MARIJUANA", 0.3, 0.7, 3.0),
    ("11357(A) HS-POSSESS CONCENTRATED CANNABIS", 0.6, 0.4, 4.0),
    ("11357(B) HS-POSSESS UNDER 1 OZ MARIJ", 0.0, 1.0, 14.0),  # infraction from 2011
    ("11357(C) HS-POSSESS OVER 1 OZ MARIJ", 0.0, 1.0, 7.0),
    ("11357(D) HS-POSSESS MARIJ ON SCHOOL GROUNDS", 0.0, 1.0, 0.7),
    ("11358 HS-CULTIVATE MARIJUANA", 0.85, 0.15, 7.0),
    ("11358(C) HS-CULTIVATE OVER 6 MARIJ PLANTS", 0.0, 1.0, 0.5),
    ("11358(D) HS-CULTIVATE MARIJ W/PRIORS", 1.0, 0.0, 0.3),
    ("11359 HS-POSSESS MARIJ FOR SALE", 0.85, 0.15, 22.0),
    ("11359(B) HS-POSSESS MARIJ FOR SALE", 0.2, 0.8, 1.0),
    ("11360(A) HS-GIVE/ETC MARIJ OVER 1 OZ/28.5 GRM", 0.8, 0.2, 9.0),
    ("11360(A) HS-SELL/FURNISH/ETC MARIJUANA/HASH", 0.85, 0.15, 6.0),
    ("11360(A)(1) HS-TRANSPORT/SELL MARIJUANA", 0.7, 0.3, 1.0),
    ("11360(B) HS-GIVE/TRANSPORT/ETC <28.5 GRM MARIJ", 0.0, 0.95, 3.0),
    ("11360 HS-TRANSPORT/SELL MARIJUANA", 0.8, 0.2, 3.0),
)
# Prop 64 offenses as DOJ also writes them (doj-research-file.md, "How DOJ really writes
# a code section"): each a few tenths of a percent of Prop 64 charges, about 3 % in all.
# The last item is the section the text is, for the generator (levels, comments).
PROP64_SPELLINGS: tuple[tuple[str, float, float, float, str], ...] = (
    ("11357B2 HS-POSSESS MARIJ OVER 28.5 GRAMS", 0.0, 1.0, 0.15, "11357(B)(2) HS"),
    ("11360A HS-SELL/FURNISH/ETC MARIJUANA/HASH", 0.85, 0.15, 0.3, "11360(A) HS"),
    ("11359B HS-POSSESS MARIJ FOR SALE", 0.2, 0.8, 0.2, "11359(B) HS"),
    ("11360A2 HS-SELL/ETC MARIJ OVER 1 OZ", 0.0, 1.0, 0.15, "11360(A)(2) HS"),
    ("11359HS-POSSESS MARIJ FOR SALE", 0.85, 0.15, 0.3, "11359 HS"),  # code glued
    ("11357(C)HS-POSSESS OVER 1 OZ MARIJ", 0.0, 1.0, 0.2, "11357(C) HS"),
    ("11360 (A) HS-SELL/FURNISH/ETC MARIJUANA/HASH", 0.85, 0.15, 0.15, "11360(A) HS"),
    ("11357(b) HS-POSSESS UNDER 1 OZ MARIJ", 0.0, 1.0, 0.2, "11357(B) HS"),
    ("11360(B) SELL/FURNISH/ETC MARIJUANA/HASH", 0.0, 0.95, 0.2, "11360(B) HS"),  # no code
    ("HS 11359-POSS MARIJ FOR SALE", 0.85, 0.15, 0.15, "11359 HS"),  # code first
    ("11359 HSC-POSSESS MARIJ FOR SALE", 0.85, 0.15, 0.15, "11359 HS"),
    ("11359 H&S-POSSESS MARIJ FOR SALE", 0.85, 0.15, 0.15, "11359 HS"),
    ("/11357 HS-POSSESS MARIJUANA", 0.3, 0.7, 0.15, "11357 HS"),  # stray marks
    ("11357.0 HS-POSSESS MARIJUANA", 0.3, 0.7, 0.1, "11357 HS"),
    ("11359/11360 HS-POSS/SELL MARIJUANA", 0.85, 0.15, 0.15, "11359 HS"),  # both Prop 64
)
# Texts that name a Prop 64 section but are not simply one: with another law, attempts,
# conspiracies (hand review by default). Together under 0.5 % of Prop 64 charges.
PROP64_NAMED: tuple[tuple[str, float, float, float, str], ...] = (
    ("11350/11359 HS-POSS NARC/MARIJ FOR SALE", 0.9, 0.1, 0.1, "11359 HS"),
    ("664/11359 HS-ATTEMPT POSS MARIJ FOR SALE", 0.5, 0.5, 0.1, "11359 HS"),
    ("664-11357(C) HS-ATTEMPT POSS OVER 1 OZ MARIJ", 0.0, 1.0, 0.05, "11357(C) HS"),
    ("66411357(C) HS-ATTEMPT POSS OVER 1 OZ MARIJ", 0.0, 1.0, 0.05, "11357(C) HS"),
    ("182 PC/11359 HS-CONSPIRACY:POSS MARIJ FOR SALE", 0.9, 0.1, 0.08, "11359 HS"),
)
#: Felony-prone Prop 64 offenses (indexes above) for people still serving a Prop 64 term.
_SERVING_PROP64 = (5, 8, 10, 11, 14)
_INFRACTION_FROM_2011 = "11357(B) HS"  # SB 1449 (2010) made it an infraction

SUPER_STRIKE_OFFENSES: tuple[tuple[str, float, float, float], ...] = (
    ("187 PC-MURDER", 1.0, 0.0, 4.0),
    ("187(A) PC-MURDER", 1.0, 0.0, 3.0),
    ("664/187(A) PC-ATTEMPTED MURDER", 1.0, 0.0, 5.0),
    ("191.5(A) PC-GROSS VEH MANSLAUGHTER WHILE INTOX", 1.0, 0.0, 1.0),
    ("207(A) PC-KIDNAPPING", 1.0, 0.0, 2.0),
    ("209(B)(1) PC-KIDNAP FOR ROBBERY/RAPE/ETC", 1.0, 0.0, 1.0),
    ("220 PC-ASSAULT W/INTENT COMMIT RAPE/ETC", 1.0, 0.0, 1.0),
    ("653F(B) PC-SOLICIT MURDER", 1.0, 0.0, 0.5),
    ("245(D)(3) PC-ASSAULT W/MACHINE GUN ON PEACE OFFICER", 1.0, 0.0, 0.2),
    ("1672(A) MV-DESTROY MILITARY PROPERTY:DEATH", 1.0, 0.0, 0.1),  # MVC, written MV
)
#: Registrable under PC 290(c); the first four are super strikes as well.
PC290_OFFENSES: tuple[tuple[str, float, float, float], ...] = (
    ("261(A)(2) PC-RAPE BY FORCE/FEAR/ETC", 1.0, 0.0, 3.0),
    ("288(A) PC-LEWD OR LASCIV ACTS W/CHILD UNDER 14", 1.0, 0.0, 4.0),
    ("269(A)(1) PC-AGGRAVATED SEXUAL ASSAULT OF CHILD", 1.0, 0.0, 0.5),
    ("288.5(A) PC-CONTINUOUS SEXUAL ABUSE OF CHILD", 1.0, 0.0, 0.5),
    ("288(C)(1) PC-LEWD ACT W/CHILD 14/15 YRS", 0.6, 0.4, 2.0),
    ("243.4(A) PC-SEXUAL BATTERY", 0.3, 0.7, 3.0),
    ("314(1) PC-INDECENT EXPOSURE", 0.1, 0.9, 4.0),
    ("647.6(A)(1) PC-ANNOY/MOLEST CHILD UNDER 18", 0.0, 1.0, 3.0),
    ("311.11(A) PC-POSSESS/ETC OBSCENE MATTER:MINOR", 0.6, 0.4, 2.0),
    ("286(B)(1) PC-SODOMY W/PERSON UNDER 18", 0.7, 0.3, 0.5),
)
_SEX_SUPER_STRIKES = 4  # the first entries of PC290_OFFENSES

#: Charges some counties dismiss with a Prop 64 count of the same case.
RELATED_OFFENSES: tuple[tuple[str, float, float, float], ...] = (
    ("647(F) PC-DISORDERLY CONDUCT:INTOX", 0.0, 1.0, 6.0),
    ("11364 HS-POSSESS PARAPHERNALIA", 0.0, 1.0, 6.0),
    ("11364.1 HS-POSSESS DRUG PARAPHERNALIA", 0.0, 1.0, 2.0),
    ("148(A)(1) PC-OBSTRUCT/RESIST/ETC PUBLIC/PEACE OFFICER", 0.0, 1.0, 4.0),
    ("148.9(A) PC-FALSE ID TO PEACE OFFICER", 0.0, 1.0, 2.0),
    ("602(K) PC-TRESPASS:INTERFERE W/BUSINESS", 0.0, 1.0, 1.5),
    ("466 PC-POSSESS BURGLARY TOOLS", 0.0, 1.0, 1.0),
    ("1320(A) PC-FAIL TO APPEAR:MISD CASE", 0.0, 1.0, 1.0),
    ("11550(A) HS-UNDER INFLUENCE CONTROLLED SUBSTANCE", 0.0, 1.0, 3.0),
    ("4060 BP-POSSESS CONTROLLED SUBSTANCE W/O PRESCRIPTION", 0.0, 1.0, 2.0),
    ("4140 BP-POSSESS HYPODERMIC NEEDLE/SYRINGE", 0.0, 1.0, 1.0),
    ("40508(A) VC-FAIL TO APPEAR:WRITTEN PROMISE", 0.0, 1.0, 3.0),
)

OTHER_OFFENSES: tuple[tuple[str, float, float, float], ...] = (
    ("23152(A) VC-DUI ALCOHOL/DRUGS", 0.05, 0.95, 12.0),
    ("23152(B) VC-DUI ALCOHOL 0.08 PERCENT", 0.05, 0.95, 8.0),
    ("14601.1(A) VC-DRIVE WHILE LIC SUSPENDED/ETC", 0.0, 1.0, 7.0),
    ("12500(A) VC-DRIVE W/O LICENSE", 0.0, 0.8, 4.0),
    ("10851(A) VC-TAKE VEH W/O OWNER CONSENT", 0.6, 0.4, 3.0),
    ("459 PC-BURGLARY", 0.7, 0.3, 6.0),
    ("484(A) PC-THEFT OF PERSONAL PROPERTY", 0.0, 1.0, 5.0),
    ("488 PC-PETTY THEFT", 0.0, 1.0, 4.0),
    ("496(A) PC-RECEIVE/ETC KNOWN STOLEN PROPERTY", 0.5, 0.5, 3.0),
    ("211 PC-ROBBERY", 1.0, 0.0, 2.5),
    ("245(A)(1) PC-ASSAULT W/DEADLY WEAPON", 0.6, 0.4, 3.0),
    ("242 PC-BATTERY", 0.0, 1.0, 5.0),
    ("243(E)(1) PC-BATTERY AGAINST SPOUSE/EX/ETC", 0.0, 1.0, 3.0),
    ("273.5(A) PC-INFLICT CORPORAL INJ SPOUSE/COHAB", 0.4, 0.6, 4.0),
    ("422 PC-THREATEN CRIME W/INTENT TO TERRORIZE", 0.6, 0.4, 1.5),
    ("594(A) PC-VANDALISM", 0.1, 0.9, 3.0),
    ("166(A)(4) PC-DISOBEY COURT ORDER", 0.0, 1.0, 2.0),
    ("415(1) PC-FIGHT/CHALLENGE FIGHT PUBLIC PLACE", 0.0, 1.0, 2.0),
    ("647(B) PC-DISORDERLY CONDUCT:PROSTITUTION", 0.0, 1.0, 1.0),
    ("11350(A) HS-POSSESS NARCOTIC CONTROLLED SUBSTANCE", 0.6, 0.4, 6.0),
    ("11377(A) HS-POSSESS CONTROLLED SUBSTANCE", 0.5, 0.5, 8.0),
    ("11378 HS-POSSESS CONTROLLED SUBSTANCE FOR SALE", 0.95, 0.05, 2.5),
    ("11351 HS-POSSESS/PURCHASE NARCOTIC FOR SALE", 0.95, 0.05, 2.0),
    ("11352(A) HS-TRANSPORT/SELL NARCOTIC CONTROLLED SUBSTANCE", 1.0, 0.0, 1.5),
    ("29800(A)(1) PC-FELON/ADDICT POSSESS FIREARM", 1.0, 0.0, 1.5),
    ("25850(A) PC-CARRY LOADED FIREARM IN PUBLIC", 0.4, 0.6, 1.0),
    ("32 PC-ACCESSORY", 0.7, 0.3, 0.5),
    ("192(A) PC-MANSLAUGHTER:VOLUNTARY", 1.0, 0.0, 0.15),  # near miss: not a super strike
    ("261.5(C) PC-UNLAWFUL SEX W/MINOR 3+ YRS YOUNGER", 0.5, 0.5, 0.3),  # not registrable
)
#: Look-alikes: other laws whose texts resemble HS 11357-11360 (never Prop 64), drawn
#: with the other convictions, under 1 % of them in all.
LOOKALIKE_OFFENSES: tuple[tuple[str, float, float, float], ...] = (
    ("11357.5 HS-POSS SYNTHETIC CANNABINOID", 0.0, 0.5, 0.3),
    ("11362.3(A)(1) HS-SMOKE/INGEST MARIJ IN PUBLIC", 0.0, 0.0, 0.3),
    ("11361(A) HS-EMPLOY MINOR TO SELL MARIJUANA", 1.0, 0.0, 0.1),
    ("23222(B) VC-POSS MARIJ WHILE DRIVING", 0.0, 0.3, 0.4),
)
#: Serious felonies (indexes into OTHER_OFFENSES) for people still serving a long term.
_SERVING_OTHER = (5, 9, 10, 21, 23, 24)

REGISTRATION_OFFENSE = "290 PC-REGISTRATION OF SEX OFFENDER"

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
_SENT_NAMES = tuple(SENTENCES)
_T = {name: i for i, name in enumerate(_SENT_NAMES)}
# P(template) for the main count of a conviction, by level (felony, misdemeanor,
# infraction), and for a further convicted count of the same case.
_SENTENCE_P = {
    0: {"probation_jail": 0.30, "probation_jail_jail": 0.20, "jail": 0.10, "prison": 0.20,
        "prison_enhanced": 0.20},
    1: {"none": 0.08, "probation": 0.22, "probation_jail": 0.40, "jail": 0.20,
        "probation_jail_jail": 0.10},
    2: {"none": 0.85, "probation": 0.15},
    3: {"none": 0.30, "jail": 0.40, "probation": 0.30},
}
_LOC_CODES = {"PROBATION": "B", "JAIL": "J", "PRISON": "P"}
_UNITS = {"D": "DAYS", "M": "MONTHS", "Y": "YEARS"}

DISPOSITIONS = (
    "", "CONVICTED", "CONVICTED-PROBATION", "CONVICTED-JAIL", "CONVICTED-PRISON",
    "DISMISSED", "DISMISSED/FURTHERANCE OF JUSTICE", "ACQUITTED",
    "NO DISPOSITION REPORTED", "RELEASED/DETENTION ONLY", "PROSECUTION REJECTED",
)
# How a conviction's level is written (doj-research-file.md, "Level"), with P(form):
# 0 CONV_STAT_DESCR (FELONY/MISDEMEANOR/INFRACTION), 1 empty status with the OFFENSE_TOC
# letter; then unknown levels, each rare: 2 status `F`, 3 `FEL`, 4 `UNKNOWN`, 6 both
# empty, 7 empty status with TOC `N`; and 5 `felony` in lower case (still a felony).
_LEVEL_FORM_P = (0.9415, 0.05, 0.0015, 0.0015, 0.001, 0.002, 0.001, 0.001)
_LOWER_FELONY = 5
_STATUS_DESCR = ("FELONY", "MISDEMEANOR", "INFRACTION", "", "F", "FEL", "UNKNOWN", "felony")
_STATUS_CODE = ("F", "M", "I", "", "", "", "", "F")
_TOC = ("F", "M", "I", "", "N")
#: Pleas: (convicted of, charged with, P among convictions of that offense). OFFENSE_DESCR
#: shows the charge; DISP_OFFENSE_DESCR and/or CONV_OFFENSE_DESCR the offense convicted of.
PLEAS = (
    ("11357(A) HS-POSSESS CONCENTRATED CANNABIS",
     "11350(A) HS-POSSESS NARCOTIC CONTROLLED SUBSTANCE", 0.08),  # a Prop 64 conviction
    ("11357(B) HS-POSSESS UNDER 1 OZ MARIJ", "11359 HS-POSSESS MARIJ FOR SALE", 0.03),
    ("11350(A) HS-POSSESS NARCOTIC CONTROLLED SUBSTANCE",  # not a Prop 64 conviction
     "11359 HS-POSSESS MARIJ FOR SALE", 0.01),
)
# A charge only in COMMENT_TEXT, written: 0 as in OFFENSE_DESCR, 1 `CHARGE 11359 HS POSS
# ...`, 2 `CNT 01 CHRG-11359 HS POSS MJ FOR SALE`, 3 `CNT 02 11357(A) POSS` (no code: Prop
# 64 sections only, which exist only in HS).
_COMMENT_STYLE_P = (0.35, 0.25, 0.25, 0.15)
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
_PD, _SO, _HP, _SC, _MC, _PR, _CO = range(7)
_ORI_SUFFIXES = ("0100", "0000", "9600", None, None, "0130", "0120")  # None: court, by name
PRISONS = (
    ("CDC SAN QUENTIN", "MARIN"), ("CDC FOLSOM", "SACRAMENTO"), ("CDC CORCORAN", "KINGS"),
    ("CDC NORTH KERN", "KERN"), ("CDC CHINO", "SAN BERNARDINO"), ("CDC SOLEDAD", "MONTEREY"),
    ("CDC VACAVILLE", "SOLANO"),
)
COMMENTS = (
    "SENTENCE SUSPENDED", "CONCURRENT", "CREDIT FOR TIME SERVED", "PLEA NOLO CONTENDERE",
    "FINE PAID", "PROBATION MODIFIED", "DEFT FAILED TO APPEAR",
)
_MENTION_SECTIONS = ("11357 HS", "11358 HS", "11359 HS", "11360(A) HS")
_MENTION_FORMS = ("ORIG CHG {} AMENDED", "PLEA TO LESSER; CHARGED {}", "ALSO CHARGED {}")

LAST_NAMES = (
    "SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS",
    "RODRIGUEZ", "MARTINEZ", "HERNANDEZ", "LOPEZ", "GONZALEZ", "WILSON", "ANDERSON",
    "THOMAS", "TAYLOR", "MOORE", "JACKSON", "MARTIN", "LEE", "PEREZ", "THOMPSON", "WHITE",
    "HARRIS", "SANCHEZ", "CLARK", "RAMIREZ", "LEWIS", "ROBINSON", "WALKER", "YOUNG",
    "ALLEN", "KING", "WRIGHT", "SCOTT", "TORRES", "NGUYEN", "HILL", "FLORES", "GREEN",
    "ADAMS", "NELSON", "BAKER", "HALL", "RIVERA", "CAMPBELL", "MITCHELL", "CARTER",
    "ROBERTS", "GOMEZ", "PHILLIPS", "EVANS", "TURNER", "DIAZ", "PARKER", "CRUZ", "EDWARDS",
    "COLLINS", "REYES", "STEWART", "MORRIS", "MORALES", "MURPHY", "COOK", "ROGERS",
    "GUTIERREZ", "ORTIZ", "MORGAN", "COOPER", "PETERSON", "BAILEY", "REED", "KELLY",
    "HOWARD", "RAMOS", "KIM", "COX", "WARD", "RICHARDSON", "WATSON", "BROOKS", "CHAVEZ",
    "WOOD", "JAMES", "BENNETT", "GRAY", "MENDOZA", "RUIZ", "HUGHES", "PRICE", "ALVAREZ",
    "CASTILLO", "SANDERS", "PATEL", "MYERS", "LONG", "ROSS", "FOSTER", "JIMENEZ", "TRAN",
    "VASQUEZ", "SALAZAR", "CHEN", "WONG", "DELA CRUZ", "O'BRIEN", "VAN DYKE",
)
MALE_FIRST_NAMES = (
    "JAMES", "JOHN", "ROBERT", "MICHAEL", "WILLIAM", "DAVID", "RICHARD", "JOSEPH", "THOMAS",
    "CHARLES", "CHRISTOPHER", "DANIEL", "MATTHEW", "ANTHONY", "MARK", "DONALD", "STEVEN",
    "PAUL", "ANDREW", "JOSHUA", "KEVIN", "BRIAN", "GEORGE", "TIMOTHY", "RONALD", "JASON",
    "EDWARD", "JEFFREY", "RYAN", "JACOB", "GARY", "NICHOLAS", "ERIC", "JONATHAN", "JOSE",
    "JUAN", "LUIS", "CARLOS", "JESUS", "MIGUEL", "ANTONIO", "FRANCISCO", "MANUEL", "DARNELL",
    "TERRELL", "ANDRE", "MARCUS", "TYRONE", "VICTOR", "RAYMOND",
)
FEMALE_FIRST_NAMES = (
    "MARY", "PATRICIA", "JENNIFER", "LINDA", "ELIZABETH", "BARBARA", "SUSAN", "JESSICA",
    "SARAH", "KAREN", "LISA", "NANCY", "BETTY", "MARGARET", "SANDRA", "ASHLEY", "KIMBERLY",
    "EMILY", "DONNA", "MICHELLE", "MARIA", "ROSA", "GUADALUPE", "ANGELA", "TIFFANY",
    "CRYSTAL", "MONIQUE", "VERONICA", "DIANA", "YOLANDA",
)
RACES = (("W", "WHITE", 30), ("H", "HISPANIC", 38), ("B", "BLACK", 20), ("A", "OTHER ASIAN", 4),
         ("F", "FILIPINO", 2), ("I", "AMERICAN INDIAN", 1), ("O", "OTHER", 5))
EYES = (("BRO", "BROWN", 60), ("BLU", "BLUE", 15), ("GRN", "GREEN", 8), ("HAZ", "HAZEL", 10),
        ("BLK", "BLACK", 7))
HAIRS = (("BLK", "BLACK", 45), ("BRO", "BROWN", 35), ("BLN", "BLOND", 8), ("RED", "RED", 2),
         ("GRY", "GRAY", 6), ("BAL", "BALD", 4))
BIRTHPLACES = (("CA", "CALIFORNIA", "S", "US", 70), ("MX", "MEXICO", "C", "MX", 14),
               ("TX", "TEXAS", "S", "US", 4), ("NY", "NEW YORK", "S", "US", 3),
               ("AZ", "ARIZONA", "S", "US", 3), ("SV", "EL SALVADOR", "C", "SV", 3),
               ("PH", "PHILIPPINES", "C", "PH", 2), ("WA", "WASHINGTON", "S", "US", 1))

# Cycle roles (why a cycle exists) and kinds (what happened in it).
(_GENERIC, _ANCHOR, _PRIOR_SAME, _POST2016, _SUPER, _PC290, _SERVING, _REG,
 _DEATH) = range(9)
_CONVICTED, _DISMISSED, _ARREST_ONLY, _REGISTERED, _DIED = range(5)
_PERSON, _CYCLE, _STEP, _COUNT, _ROW = range(5)


# ---------------------------------------------------------------------------------------
# Public API

def generate_doj_file(
    path: str | Path, *, county: str, people: int, seed: int, header: bool = True
) -> GeneratedFile:
    """Write a synthetic DOJ research file for `county` with `people` persons.

    The same (county, people, seed, header) always gives the same bytes. The file is
    written beside `path` and moved into place with the command's other outputs (one
    output set), so a failed run leaves no half file.
    """
    name = county_name(county)
    _check_numbers(people, seed)
    target = Path(path)
    with atomic_path(target) as partial, open(partial, "wb") as out:
        rows = _write(_plan(name, people, seed), out, header)
    return GeneratedFile(target, people, rows, name, seed)


def generate_doj_text(*, county: str, people: int, seed: int, header: bool = True) -> str:
    """The same content as `generate_doj_file`, as a string (for small test files)."""
    name = county_name(county)
    _check_numbers(people, seed)
    out = io.BytesIO()
    _write(_plan(name, people, seed), out, header)
    return out.getvalue().decode("utf-8")


def prop64_convictions_by_county(county: str, people: int, seed: int) -> dict[str, int]:
    """How many convicted counts the file of (`county`, `people`, `seed`) holds whose
    charge, offense convicted of or comment names HS 11357-11360 (any spelling, attempts,
    conspiracies and combinations with another law included; look-alikes such as
    11357.5 not), by the county of the court step, in the generator's own terms (what it
    drew, not a reading of the text). A count of several sentence parts (rows) is one.
    Counties without any are left out. Same numbers with or without the header."""
    name = county_name(county)
    _check_numbers(people, seed)
    drawn = _draw_all(name, people, seed)
    off, ch, ct = drawn.d.off, drawn.ch, drawn.ct
    charge = ct.charge
    names = (off.names_p64[ch.offense[charge]] | off.names_p64[ct.shown]
             | (ch.mention[charge] & ct.convicted))
    where = drawn.cyc.county[ct.cycle[ct.convicted & names]]
    counts = np.bincount(where, minlength=len(california_counties()))
    return {c: int(k) for c, k in zip(california_counties(), counts, strict=True) if k}


def _check_numbers(people: int, seed: int) -> None:
    if isinstance(people, bool) or not isinstance(people, int | np.integer) or not (
        1 <= people <= MAX_PEOPLE
    ):
        raise InputError(where="--people", what=f"{people!r} is not a number of people",
                         fix=f"Give a whole number from 1 to {MAX_PEOPLE:,}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(where="--seed", what=f"{seed!r} is not a seed",
                         fix="Give a whole number, 0 or more")


# ---------------------------------------------------------------------------------------
# Small vectorised helpers

def _day(value: date | str) -> int:
    """Days since 1970-01-01."""
    return int(np.datetime64(value, "D").astype(np.int64))


def _ymd(days: np.ndarray) -> np.ndarray:
    """Days since 1970 -> YYYYMMDD integers."""
    d = days.astype("datetime64[D]")
    month_start = d.astype("datetime64[M]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = month_start.astype(np.int64) % 12 + 1
    day = (d - month_start).astype(np.int64) + 1
    return year * 10000 + month * 100 + day


def _within(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of `counts` items: each item's group and its 0-based place in it."""
    parent = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return parent, np.arange(len(parent)) - starts[parent]


def _uniform_days(rng: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int,
                  size: int | None = None) -> np.ndarray:
    """A day in [lo, hi) (lo where the range is empty)."""
    lo, hi = np.broadcast_arrays(np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64))
    if size is not None:
        lo, hi = np.broadcast_to(lo, (size,)), np.broadcast_to(hi, (size,))
    width = np.maximum(hi - lo, 1)
    return lo + (rng.random(width.shape) * width).astype(np.int64)


def _pick(rng: np.random.Generator, weights: np.ndarray | list[float], size: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=size, p=w / w.sum())


def _categorical(rng: np.random.Generator, cumulative: np.ndarray,
                 group: np.ndarray) -> np.ndarray:
    """One draw per element from the distribution of its group (rows of `cumulative`)."""
    u = rng.random(len(group))
    return (u[:, None] >= cumulative[group]).sum(axis=1).clip(max=cumulative.shape[1] - 1)


def _csv(values: list[str] | tuple[str, ...]) -> pa.Array:
    """A table of texts, each quoted the CSV way when it must be."""
    out = []
    for v in values:
        if any(ch in v for ch in ',"\n\r'):
            v = '"' + v.replace('"', '""') + '"'
        out.append(v)
    return pa.array(out, type=pa.string())


def _numbers(values: np.ndarray, width: int = 0, empty: np.ndarray | None = None) -> pa.Array:
    """Integers as text, zero-padded to `width`; empty text where `empty` (or < 0)."""
    values = np.asarray(values, dtype=np.int64)
    mask = values < 0 if empty is None else (empty | (values < 0))
    text = pa.array(np.where(mask, 0, values)).cast(pa.string())
    if width:
        text = pc.utf8_lpad(text, width=width, padding="0")
    if mask.any():
        text = pc.if_else(pa.array(mask), "", text)
    return text


# ---------------------------------------------------------------------------------------
# The plan: every level as numpy arrays (no text yet)

# How a text relates to Prop 64, in the generator's own terms (_Offenses.kind).
_STANDARD, _SPELLED, _NAMED, _LOOKALIKE, _ELSE = range(5)
_WRITTEN = re.compile(r"^(.*(?:HS|HSC|H&S|PC|VC|BP|MV)|HS \S+?)-(.*)$")
_HS_CODE = re.compile(r"\s*(?:HSC|H&S|HS)(?![A-Z])\s*")


class _Offenses:
    """All offense texts in one table, with what the generator needs to know of each."""

    #: Groups in table order: (name, entries, category, kind). Drawing "p64" draws the
    #: standard texts and their spellings; "p64" through "p64named" adds the others.
    GROUPS = (("p64", PROP64_OFFENSES, 0, _STANDARD),
              ("p64spelled", PROP64_SPELLINGS, 0, _SPELLED),
              ("p64named", PROP64_NAMED, 0, _NAMED),
              ("super", SUPER_STRIKE_OFFENSES, 1, _ELSE),
              ("pc290", PC290_OFFENSES, 2, _ELSE),
              ("related", RELATED_OFFENSES, 3, _ELSE),
              ("other", OTHER_OFFENSES, 4, _ELSE),
              ("lookalike", LOOKALIKE_OFFENSES, 4, _LOOKALIKE),
              ("reg", ((REGISTRATION_OFFENSE, 0.0, 0.0, 0.0),), 5, _ELSE),
              ("none", (("", 0.0, 0.0, 0.0),), 6, _ELSE))

    def __init__(self) -> None:
        texts, rows, canonical, category, kind = [], [], [], [], []
        self.start, self.stop = {}, {}
        for name, entries, cat, how in self.GROUPS:
            self.start[name] = len(texts)
            for e in entries:
                texts.append(e[0])
                rows.append(e[1:4])
                canonical.append(e[4] if len(e) > 4 else
                                 " ".join(e[0].split("-", 1)[0].replace("HS", " HS").split()))
                category.append(cat)
                kind.append(how)
            self.stop[name] = len(texts)
        self.texts = texts
        table = np.array(rows, dtype=float)
        self.p_felony, self.p_misd, self.weight = table[:, 0], table[:, 1], table[:, 2]
        self.category = np.array(category, dtype=np.int8)
        self.kind = np.array(kind, dtype=np.int8)
        self.names_p64 = self.category == 0  # the text names HS 11357-11360
        self.is_p64 = self.names_p64 & (self.kind != _NAMED)  # and is simply that offense
        self.section = canonical  # "11359 HS": the section the text is
        # The text split as written: section part and description ("" where none).
        split = [_WRITTEN.match(t) for t in texts]
        self.written = [m[1] if m else t.split(" ", 1)[0]
                        for m, t in zip(split, texts, strict=True)]
        self.descr = [m[2] if m else t.split(" ", 1)[-1] if " " in t else ""
                      for m, t in zip(split, texts, strict=True)]
        self.bare = [_HS_CODE.sub(" ", w).strip() for w in self.written]  # 11357(A), no code
        self.p64_group = np.array(
            [("11357", "11358", "11359", "11360").index(s[:5]) if p else -1
             for s, p in zip(self.section, self.names_p64, strict=True)], dtype=np.int8)
        self.infraction_from_2011 = np.array(
            [s == _INFRACTION_FROM_2011 for s in self.section])
        # Charge level on arrest rows: F, M, I (or none for registration/death).
        self.charge_level = np.where(self.p_felony >= 0.5, 0,
                                     np.where(self.p_misd > 0, 1, 2)).astype(np.int8)
        self.charge_level[self.category >= 5] = 3
        self.wobbler = (self.p_felony > 0) & (self.p_felony < 1)
        #: Texts rare enough that a small file might miss them: a file of a few hundred
        #: people gets each at least once (_ensure_offenses).
        self.rare = np.flatnonzero(np.isin(self.kind, (_SPELLED, _NAMED, _LOOKALIKE)))

    def index(self, group: str, local: np.ndarray | tuple[int, ...]) -> np.ndarray:
        return self.start[group] + np.asarray(local, dtype=np.int64)

    def where(self, text: str) -> int:
        return self.texts.index(text)

    def draw(self, rng: np.random.Generator, group: str, size: int,
             through: str | None = None) -> np.ndarray:
        """`size` offenses of a group (or of the groups from `group` through `through`),
        by their weights."""
        lo, hi = self.start[group], self.stop[through or group]
        return lo + _pick(rng, self.weight[lo:hi], size)


@cache
def _offenses() -> _Offenses:
    return _Offenses()


ColumnSpec = str | tuple[int, Callable[["_Batch"], pa.Array]]


@dataclass
class _Plan:
    """The whole file as arrays; text is produced batch by batch by `_write`."""

    columns: dict[str, ColumnSpec]  # a constant, or (level, text of a batch at that level)
    starts: list[np.ndarray]  # starts[L][i]: first item of level L+1 under item i of L
    parents: list[np.ndarray]  # parents[L][i]: item of level L-1 of item i of level L
    sizes: list[int]  # items per level


@dataclass
class _Draw:
    """The random source and the fixed facts every drawing step needs."""

    rng: np.random.Generator
    off: _Offenses
    home: int  # county number - 1 of the file's county
    elsewhere: np.ndarray  # weights of the other counties
    effective: int  # Prop 64 in force (days)
    as_of: int

    def place(self, second: np.ndarray, p_home: float, p_second: float) -> np.ndarray:
        """A county per event: home, the person's second county, or anywhere else."""
        v = self.rng.random(len(second))
        anywhere = _pick(self.rng, self.elsewhere, len(second))
        return np.where(v < p_home, self.home, np.where(v < p_home + p_second, second,
                                                        anywhere))


@dataclass
class _People:
    """Per person: the span their record covers and the features they get."""

    dob: np.ndarray
    start: np.ndarray  # first possible event (age 18; 16 for the youngest)
    end: np.ndarray  # death, or the day before the as-of date
    anchor_hi: np.ndarray  # last day a Prop 64 conviction still predates Prop 64
    second: np.ndarray  # a second county where part of the history happens
    deceased: np.ndarray
    only_p64: np.ndarray  # every conviction is a Prop 64 one
    anchor_away: np.ndarray  # the Prop 64 conviction is in the second county
    super_strike: np.ndarray
    pc290: np.ndarray  # a PC 290 offense conviction
    registers: np.ndarray  # REGISTRATION steps
    post2016: np.ndarray  # a Prop 64 conviction after Prop 64
    serving_p64: np.ndarray  # still serving a Prop 64 prison term on the as-of date
    serving_other: np.ndarray  # still serving another long prison term
    prior_same: np.ndarray  # two earlier convictions of the same Prop 64 section
    dob_form: np.ndarray  # how PRI_DOB is written: 0 in full, 1 YYYY0000, 2 empty


def _draw_people(d: _Draw, n: int) -> _People:
    rng = d.rng
    age_group = _pick(rng, [0.025, 0.065, 0.91], n)  # under 21 now, over 65, others
    for group in (0, 1):  # a file of a few hundred people has both
        if n >= _EVERY_FEATURE_FROM and not (age_group == group).any():
            age_group[rng.choice(np.flatnonzero(age_group == 2))] = group
    young, old = age_group == 0, age_group == 1
    lo, hi = _day("1955-07-02"), _day("1999-06-30")
    dob = _day("1978-01-01") + rng.normal(0, 11 * 365.25, n).astype(np.int64)
    outside = (dob < lo) | (dob > hi)
    dob[outside] = _uniform_days(rng, lo, hi, int(outside.sum()))
    dob = np.where(young, _uniform_days(rng, _day("1999-07-02"), _day("2000-10-31"), n), dob)
    dob = np.where(old, _uniform_days(rng, _day("1930-01-01"), _day("1955-06-30"), n), dob)
    start = np.maximum(dob + np.where(young, 16, 18) * 365 + 4, _day("1971-01-01"))
    death_lo = np.maximum(start + 4 * 365, _day("1990-01-01"))
    can_die = ~young & (death_lo < d.as_of - 30)
    deceased = (rng.random(n) < np.where(old, 0.10, 0.025)) & can_die
    if n >= _EVERY_FEATURE_FROM and not deceased.any() and can_die.any():
        deceased[rng.choice(np.flatnonzero(can_die))] = True
    end = np.where(deceased, _uniform_days(rng, death_lo, d.as_of - 15), d.as_of - 1)
    u = rng.random((n, 10))
    only_p64 = u[:, 0] < 0.06
    pc290 = ~only_p64 & (u[:, 3] < 0.04)
    pp = _People(
        dob=dob, start=start, end=end, anchor_hi=np.minimum(end, d.effective - 1),
        second=_pick(rng, d.elsewhere, n), deceased=deceased, only_p64=only_p64,
        anchor_away=u[:, 1] < 0.03,
        super_strike=~only_p64 & (u[:, 2] < 0.04),
        pc290=pc290,
        registers=(pc290 & (u[:, 4] < 0.85)) | (~only_p64 & (u[:, 4] > 0.99)),
        post2016=(u[:, 5] < 0.06) & (end > d.effective + 90),
        serving_p64=(u[:, 6] < 0.02) & ~deceased & (start < _day("2012-01-01")),
        serving_other=~only_p64 & (u[:, 7] < 0.03) & ~deceased & (start < _day("2014-01-01")),
        prior_same=u[:, 8] < 0.05,
        dob_form=np.where(u[:, 9] < 0.005, 2, np.where(u[:, 9] < 0.01, 1, 0)),
    )
    if n >= _EVERY_FEATURE_FROM:
        _ensure_rare_features(rng, pp, adult=age_group == 2)
    return pp


def _ensure_rare_features(rng: np.random.Generator, pp: _People, adult: np.ndarray) -> None:
    """A file of a few hundred people shows every feature, however the dice fell: a rare
    feature nobody got goes to one person who can have it."""
    def ensure(flag: np.ndarray, eligible: np.ndarray, value: int | bool = True) -> None:
        if not (flag == value).any() and eligible.any():
            flag[rng.choice(np.flatnonzero(eligible))] = value

    ensure(pp.dob_form, adult & (pp.dob_form == 0), 1)
    ensure(pp.dob_form, adult & (pp.dob_form == 0), 2)
    ensure(pp.serving_p64, ~pp.deceased & (pp.start < _day("2012-01-01")))
    ensure(pp.serving_other, ~pp.deceased & ~pp.only_p64 & (pp.start < _day("2014-01-01")))
    ensure(pp.post2016, pp.end > _day("2017-03-01"))
    for flag in (pp.super_strike, pp.pc290, pp.registers):
        ensure(flag, ~pp.only_p64)
    if pp.super_strike.sum() < 2:  # two: the classic 187 PC and the rare MVC 1672(a)
        more = np.flatnonzero(~pp.only_p64 & ~pp.super_strike)
        if len(more):
            pp.super_strike[rng.choice(more)] = True
    ordinary = ~pp.super_strike & ~pp.pc290 & ~pp.serving_other
    ensure(pp.only_p64, ordinary)
    ensure(pp.anchor_away, ordinary)
    ensure(pp.prior_same, ordinary & (pp.anchor_hi - pp.start > 8 * 365))


@dataclass
class _Cycles:
    """Per cycle (arrest-to-disposition episode), sorted by person then date."""

    person: np.ndarray
    day: np.ndarray  # arrest (or citation) date
    role: np.ndarray  # why the cycle exists (_GENERIC, _ANCHOR, ...)
    offense: np.ndarray  # the main charge
    county: np.ndarray
    kind: np.ndarray  # what happened (_CONVICTED, _DISMISSED, ...)
    limit: np.ndarray  # latest court date the cycle's role allows
    place: np.ndarray  # 0-based order within the person
    court_day: np.ndarray
    arrested: np.ndarray  # False: cited straight to court (no arrest step)


def _draw_cycles(d: _Draw, pp: _People) -> _Cycles:
    """A generic history per person plus the cycles each feature needs."""
    rng, off, n = d.rng, d.off, len(pp.dob)
    pieces: list[tuple] = []

    def add(person: np.ndarray, day: np.ndarray, role: int, offense: np.ndarray,
            county: np.ndarray, kind: np.ndarray | int, limit: np.ndarray) -> None:
        k = len(person)
        pieces.append((person, day, np.full(k, role), offense, county,
                       np.broadcast_to(kind, (k,)), np.broadcast_to(limit, (k,))))

    rate = rng.gamma(2.0, 0.31, n)  # cycles a year, varying by person
    p = np.repeat(np.arange(n), 1 + rng.poisson(rate * (pp.end - pp.start) / 365.25))
    kind = _pick(rng, [0.55, 0.20, 0.25], len(p))
    v = rng.random(len(p))
    # Someone with only Prop 64 convictions: most other cases came to nothing.
    kind[pp.only_p64[p] & (kind == _CONVICTED) & (v >= 0.3)] = _DISMISSED
    prop64 = (v < 0.03) | (pp.only_p64[p] & (kind == _CONVICTED))
    general = np.where(rng.random(len(p)) < 0.85, off.draw(rng, "other", len(p), "lookalike"),
                       off.draw(rng, "related", len(p)))
    # Prop 64 charges in any spelling; attempts and the like not for someone whose every
    # conviction is a Prop 64 one.
    p64 = np.where(pp.only_p64[p], off.draw(rng, "p64", len(p), "p64spelled"),
                   off.draw(rng, "p64", len(p), "p64named"))
    add(p, _uniform_days(rng, pp.start[p], pp.end[p]), _GENERIC,
        np.where(prop64, p64, general),
        d.place(pp.second[p], 0.65, 0.25), kind, pp.end[p])

    # The Prop 64 conviction that puts the person in the county's file.
    serving = pp.serving_p64
    anchor_day = _uniform_days(
        rng, np.where(serving, np.maximum(pp.start, _day("2013-06-01")), pp.start),
        np.where(serving, np.minimum(pp.anchor_hi, _day("2016-05-01")), pp.anchor_hi))
    anchor_offense = np.where(serving, off.index("p64", _SERVING_PROP64)[
        rng.integers(0, len(_SERVING_PROP64), n)], off.draw(rng, "p64", n, "p64spelled"))
    add(np.arange(n), anchor_day, _ANCHOR, anchor_offense,
        np.where(pp.anchor_away, pp.second, d.home), _CONVICTED, pp.anchor_hi)

    p = np.repeat(np.flatnonzero(pp.prior_same & (anchor_day - pp.start > 2 * 365)), 2)
    add(p, _uniform_days(rng, pp.start[p], anchor_day[p] - 60), _PRIOR_SAME,
        anchor_offense[p], d.place(pp.second[p], 0.6, 0.4), _CONVICTED, anchor_day[p] - 1)

    p = np.flatnonzero(pp.post2016)
    add(p, _uniform_days(rng, d.effective + 1, pp.end[p] - 30), _POST2016,
        off.draw(rng, "p64", len(p), "p64named"), d.place(pp.second[p], 0.9, 0.1), _CONVICTED,
        pp.end[p])

    def before_or_after(p: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Every other person's conviction predates the Prop 64 one, so both orders
        occur (priors count only before; some counties count any)."""
        after_lo = anchor_day[p] + 240  # clear of the Prop 64 case's own court date
        before = (np.arange(len(p)) % 2 == 0) | (after_lo >= hi)
        return np.where(before, _uniform_days(rng, pp.start[p], anchor_day[p]),
                        _uniform_days(rng, after_lo, hi))

    p = np.flatnonzero(pp.super_strike)
    supers = np.where(rng.random(len(p)) < 0.75, off.draw(rng, "super", len(p)),
                      off.index("pc290", rng.integers(0, _SEX_SUPER_STRIKES, len(p))))
    if n >= _EVERY_FEATURE_FROM and len(p) and not (supers == off.start["super"]).any():
        supers[0] = off.start["super"]  # the classic: 187 PC-MURDER
    military = off.where(SUPER_STRIKE_OFFENSES[-1][0])  # MVC 1672(a), written MV: rare
    if n >= _EVERY_FEATURE_FROM and len(p) > 1 and not (supers == military).any():
        murder = np.flatnonzero(supers == off.start["super"])[:1]  # one 187 stays
        supers[np.setdiff1d(np.arange(len(p)), murder)[-1]] = military
    add(p, before_or_after(p, pp.end[p]), _SUPER, supers,
        d.place(pp.second[p], 0.5, 0.5), _CONVICTED, pp.end[p])

    p = np.flatnonzero(pp.pc290)
    pc290_day = np.full(n, -1)
    pc290_day[p] = before_or_after(p, pp.end[p] - 400)
    add(p, pc290_day[p], _PC290, off.draw(rng, "pc290", len(p)),
        d.place(pp.second[p], 0.6, 0.4), _CONVICTED, pp.end[p])

    # Registrations follow the PC 290 conviction (or start early: convicted elsewhere).
    p = np.flatnonzero(pp.registers)
    p = np.repeat(p, 1 + np.minimum(rng.poisson(2.0, len(p)), 5))
    first = np.where(pc290_day[p] >= 0, pc290_day[p] + 120, pp.start[p] + 365)
    p, first = p[first < pp.end[p] - 1], first[first < pp.end[p] - 1]
    add(p, _uniform_days(rng, first, pp.end[p]), _REG, np.full(len(p), off.start["reg"]),
        d.place(pp.second[p], 0.8, 0.2), _REGISTERED, pp.end[p])

    p = np.flatnonzero(pp.serving_other)
    add(p, _uniform_days(rng, np.maximum(pp.start[p], _day("2015-01-01")), _day("2019-09-30")),
        _SERVING, off.index("other", _SERVING_OTHER)[rng.integers(0, len(_SERVING_OTHER),
                                                                  len(p))],
        d.place(pp.second[p], 0.7, 0.3), _CONVICTED, pp.end[p])

    p = np.flatnonzero(pp.deceased)
    add(p, pp.end[p], _DEATH, np.full(len(p), off.start["none"]), np.full(len(p), d.home),
        _DIED, pp.end[p])

    names = ("person", "day", "role", "offense", "county", "kind", "limit")
    columns = [np.concatenate(parts).astype(np.int64) for parts in zip(*pieces, strict=True)]
    order = np.lexsort((columns[2] == _DEATH, columns[1], columns[0]))
    c = {name: values[order] for name, values in zip(names, columns, strict=True)}
    _, place = _within(np.bincount(c["person"], minlength=n))
    court = np.isin(c["kind"], (_CONVICTED, _DISMISSED))
    arrested = ~(court & (rng.random(len(order)) < 0.06))
    delay = np.minimum(rng.exponential(75.0, len(order)).astype(np.int64), 700)
    delay[~court | ~arrested] = 0
    court_day = np.minimum(c["day"] + delay, np.maximum(c["limit"], c["day"]))
    return _Cycles(**c, place=place, court_day=court_day, arrested=arrested)


@dataclass
class _Charges:
    """Per charge of a cycle (a count, whichever step it appears on)."""

    cycle: np.ndarray
    place: np.ndarray
    start: np.ndarray  # per cycle: its first charge
    offense: np.ndarray  # the offense (of conviction, when convicted)
    convicted: np.ndarray
    level: np.ndarray  # conviction level: 0 felony, 1 misdemeanor, 2 infraction
    charged: np.ndarray  # OFFENSE_TOC: 0 F, 1 M, 2 I, 3 none
    level_form: np.ndarray  # how the conviction level is written (_LEVEL_FORMS)
    template: np.ndarray  # sentence template (index into SENTENCES)
    comment_only: np.ndarray  # 0, or 1/2: OFFENSE_DESCR blank / SEE COMMENT FOR CHARGE
    comment_style: np.ndarray  # the charge in COMMENT_TEXT (_COMMENT_STYLES)
    mention: np.ndarray  # COMMENT_TEXT names a Prop 64 section (another one, for Prop 64)
    mention_text: np.ndarray
    charged_as: np.ndarray  # the charge shown when convicted of another offense, or -1
    convicted_of: np.ndarray  # the offense of conviction written in: 0 none, 1 DISP_, 2 CONV_,
    # 3 both *_OFFENSE_DESCR

    @property
    def shown(self) -> np.ndarray:
        """The offense OFFENSE_DESCR (or the comment) shows: the charge."""
        return np.where(self.charged_as >= 0, self.charged_as, self.offense)


def _draw_charges(d: _Draw, pp: _People, cyc: _Cycles) -> _Charges:
    rng, off = d.rng, d.off
    several = np.isin(cyc.kind, (_CONVICTED, _DISMISSED, _ARREST_ONLY))
    n_charges = np.where(several, 1 + np.minimum(rng.poisson(1.6, len(cyc.kind)), 7), 1)
    cycle, place = _within(n_charges)
    n = len(cycle)
    primary = place == 0
    person, role = cyc.person[cycle], cyc.role[cycle]
    # Further charges: related charges and other Prop 64 counts go with a Prop 64 case.
    with_p64 = off.names_p64[cyc.offense][cycle]
    v = rng.random(n)
    extra = np.where(
        v < np.where(with_p64, 0.45, 0.15), off.draw(rng, "related", n),
        np.where(v < np.where(with_p64, 0.53, 0.17), off.draw(rng, "p64", n, "p64named"),
                 off.draw(rng, "other", n, "lookalike")))
    offense = np.where(primary, cyc.offense[cycle], extra)
    convicted = (cyc.kind[cycle] == _CONVICTED) & (primary | (rng.random(n) < 0.4))
    convicted &= ~(pp.only_p64[person] & ~off.is_p64[offense])
    forced = primary & (np.isin(role, (_SUPER, _SERVING))
                        | ((role == _ANCHOR) & pp.serving_p64[person]))
    # Convictions in the county a rare feature may be given to (not those other features
    # rest on: a forced level, repeat priors, someone with only Prop 64 convictions).
    free = convicted & (cyc.county[cycle] == d.home) & ~forced & ~pp.only_p64[person] & ~(
        (role == _PRIOR_SAME) | ((role == _ANCHOR) & pp.prior_same[person]))
    v = rng.random(n)
    comment_only = np.where((off.category[offense] < 5) & (v < 0.01),
                            np.where(v < 0.004, 1, 2), 0)
    every = len(pp.dob) >= _EVERY_FEATURE_FROM
    if every:  # rare texts shown in OFFENSE_DESCR
        _ensure_offenses(rng, off, offense, free & (comment_only == 0), primary,
                         role == _ANCHOR)
    charged_as = _draw_pleas(rng, off, offense, convicted,
                             free & (comment_only == 0) if every else None)

    v = rng.random(n)
    p_felony, p_misd = off.p_felony[offense], off.p_misd[offense]
    level = np.where(v < p_felony, 0, np.where(v < p_felony + p_misd, 1, 2))
    level[off.infraction_from_2011[offense]
          & (cyc.court_day[cycle] >= _day("2011-01-01"))] = 2
    level[forced] = 0
    v = rng.random(n)
    charged = np.where((level == 1) & off.wobbler[offense] & (v < 0.35), 0,
                       np.where((level == 2) & (v < 0.5), 1, level))
    charged = np.where(convicted, charged, off.charge_level[offense])
    charged = np.where(charged_as >= 0, off.charge_level[np.maximum(charged_as, 0)], charged)
    charged[off.charge_level[offense] == 3] = 3
    level_form = _pick(rng, _LEVEL_FORM_P, n)
    level_form[(level_form == _LOWER_FELONY) & (level != 0)] = 0
    level_form[~convicted] = 0

    cumulative = np.zeros((4, len(_SENT_NAMES)))
    for group, dist in _SENTENCE_P.items():
        for name, prob in dist.items():
            cumulative[group, _T[name]] = prob
    template = _categorical(rng, np.cumsum(cumulative, axis=1), np.where(primary, level, 3))
    template[forced & (role == _SUPER)] = _T["prison_life"]
    template[forced & (role == _SERVING)] = _T["prison_serving"]
    template[forced & (role == _ANCHOR)] = _T["prison_long"]
    template[~convicted] = _T["none"]

    shown = np.where(charged_as >= 0, charged_as, offense)
    comment_style = _pick(rng, _COMMENT_STYLE_P, n)
    group = off.p64_group[offense]
    mention_group = np.where(group >= 0, (group + rng.integers(1, 4, n)) % 4,
                             rng.integers(0, 4, n))
    mention = convicted & (comment_only == 0) & (
        rng.random(n) < np.where(off.names_p64[offense], 0.01, 0.001))
    v = rng.random(n)
    convicted_of = np.where((charged_as >= 0) | (convicted & (comment_only == 0) & (v < 0.01)),
                            rng.integers(1, 4, n), 0)
    if every:
        p64 = free & off.is_p64[offense]
        standard = p64 & (off.kind[offense] == _STANDARD) & (comment_only == 0)
        for form in range(2, len(_LEVEL_FORM_P)):  # every way of writing a level
            _give(rng, level_form, p64 & ((level == 0) | (form != _LOWER_FELONY)), form)
        for style in (2, 3):  # the charge not first in the comment, and without code
            if not (free & (comment_only > 0) & (comment_style == style)
                    & off.is_p64[shown]).any():
                i = _one(rng, standard & (charged_as < 0) & ~mention)
                if i is not None:
                    comment_style[i], comment_only[i], convicted_of[i] = style, 1 + (style == 3), 0
        _give(rng, mention, free & ~off.names_p64[offense] & (comment_only == 0)
              & (charged_as < 0), True)  # another law, its comment names a Prop 64 section
    comment_style[(comment_style == 3) & ~off.is_p64[shown]] = 2  # a code only HS has
    return _Charges(
        cycle=cycle, place=place, start=np.cumsum(n_charges) - n_charges, offense=offense,
        convicted=convicted, level=level, charged=charged, level_form=level_form,
        template=template, comment_only=comment_only, comment_style=comment_style,
        mention=mention,
        mention_text=mention_group * len(_MENTION_FORMS)
        + rng.integers(0, len(_MENTION_FORMS), n),
        charged_as=charged_as, convicted_of=convicted_of,
    )


def _give(rng: np.random.Generator, values: np.ndarray, candidates: np.ndarray,
          value: int | bool) -> int | None:
    """Unless some `candidates` already hold `value`, set it at one of them at random
    (returned), so that a small file shows a rare feature."""
    if (values[candidates] == value).any():
        return None
    i = _one(rng, candidates)
    if i is not None:
        values[i] = value
    return i


def _one(rng: np.random.Generator, candidates: np.ndarray) -> int | None:
    """One of the `candidates` (a mask) at random, or None."""
    where = np.flatnonzero(candidates)
    return int(rng.choice(where)) if len(where) else None


def _ensure_offenses(rng: np.random.Generator, off: _Offenses, offense: np.ndarray,
                     free: np.ndarray, primary: np.ndarray, anchor: np.ndarray) -> None:
    """Every rare text (spellings, attempts and the like, look-alikes) on at least one
    conviction in the county: one that none got replaces a standard Prop 64 conviction of
    the same section (attempts and the like: not the one that puts the person in the file;
    look-alikes: a further conviction of another law)."""
    present = np.bincount(offense[free], minlength=len(off.texts)) > 0
    standard = free & (off.kind[offense] == _STANDARD) & off.is_p64[offense]
    other = free & ~primary & (off.category[offense] == 4) & (off.kind[offense] == _ELSE)
    for k in off.rare[~present[off.rare]]:
        if off.kind[k] == _LOOKALIKE:
            candidates = other
        else:
            like = standard & ~anchor if off.kind[k] == _NAMED else standard
            candidates = like & (off.p64_group[offense] == off.p64_group[k])
            if not candidates.any():
                candidates = like
        if candidates.any():
            i = rng.choice(np.flatnonzero(candidates))
            offense[i] = k
            standard[i] = other[i] = False


def _draw_pleas(rng: np.random.Generator, off: _Offenses, offense: np.ndarray,
                convicted: np.ndarray, free: np.ndarray | None) -> np.ndarray:
    """The charge DOJ shows for a conviction of another offense (-1: none). With `free`,
    each plea of PLEAS is given to a conviction there if none got it."""
    charged_as = np.full(len(offense), -1)
    v = rng.random(len(offense))
    for convicted_text, charged_text, p in PLEAS:
        k, charge = off.where(convicted_text), off.where(charged_text)
        charged_as[convicted & (offense == k) & (v < p)] = charge
        if free is None or (free & (charged_as == charge) & (offense == k)).any():
            continue
        candidates = free & (offense == k) & (charged_as < 0)
        if not candidates.any():  # none convicted of it here: one like it becomes so
            candidates = free & (charged_as < 0) & (off.kind[offense] == off.kind[k]) & (
                off.category[offense] == off.category[k]) & (offense != charge)
        if candidates.any():
            i = rng.choice(np.flatnonzero(candidates))
            offense[i], charged_as[i] = k, charge
    return charged_as


_PARTS_OF = np.array([len(SENTENCES[t]) for t in _SENT_NAMES])
_HAS_LOC = {loc: np.array([any(part[0] == loc for part in SENTENCES[t]) for t in _SENT_NAMES])
            for loc in ("PROBATION", "JAIL", "PRISON")}
# The disposition suffix DOJ sometimes adds (CONVICTED-JAIL): the last part's place.
_MAIN_LOC = np.array([("", "PROBATION", "JAIL", "PRISON").index(SENTENCES[t][-1][0])
                      if SENTENCES[t] else 0 for t in _SENT_NAMES])


@dataclass
class _Steps:
    """Per step of a cycle: arrest, court action, custody, probation, registration, death."""

    cycle: np.ndarray
    slot: np.ndarray  # 0 first event (arrest/registration/death), 1 court, 2 custody, 3 prob.
    place: np.ndarray
    type: np.ndarray  # index into STEP_TYPES
    day: np.ndarray
    ori: np.ndarray  # index into the agency table (_agency_table)


def _draw_steps(d: _Draw, pp: _People, cyc: _Cycles, ch: _Charges) -> _Steps:
    rng = d.rng
    n_cyc = len(cyc.kind)
    main = ch.template[ch.start]
    convicted = cyc.kind == _CONVICTED
    v = rng.random((n_cyc, 3))
    slots = np.zeros((n_cyc, 4), dtype=bool)
    slots[:, 0] = cyc.arrested
    slots[:, 1] = np.isin(cyc.kind, (_CONVICTED, _DISMISSED))
    slots[:, 2] = convicted & ((_HAS_LOC["PRISON"][main] & (v[:, 0] < 0.8))
                               | (_HAS_LOC["JAIL"][main] & (v[:, 1] < 0.25)))
    slots[:, 3] = convicted & _HAS_LOC["PROBATION"][main] & (v[:, 2] < 0.3)
    cycle, slot = np.nonzero(slots)
    _, place = _within(slots.sum(axis=1))
    n = len(cycle)
    kind = cyc.kind[cycle]
    step_type = np.where(slot == 0, np.select([kind == _REGISTERED, kind == _DIED], [4, 5], 0),
                         slot)
    after = np.where(slot == 2, rng.integers(1, 21, n), rng.integers(1, 46, n))
    day = np.select([slot == 0, slot == 1], [cyc.day[cycle], cyc.court_day[cycle]],
                    np.minimum(cyc.court_day[cycle] + after, pp.end[cyc.person[cycle]]))
    v = rng.random(n)
    arrest_agency = np.where(v < 0.55, _PD, np.where(v < 0.9, _SO, _HP))
    court_agency = np.where((day < _day("1998-01-01")) & (v < 0.5), _MC, _SC)
    agency = np.select(
        [step_type == 0, step_type == 1, step_type == 2, step_type == 3, step_type == 4],
        [arrest_agency, court_agency, _SO, _PR, np.where(v < 0.6, _PD, _SO)], _CO)
    ori = cyc.county[cycle] * len(AGENCIES) + agency
    prison = (slot == 2) & _HAS_LOC["PRISON"][main[cycle]]
    ori[prison] = len(california_counties()) * len(AGENCIES) + rng.integers(
        0, len(PRISONS), int(prison.sum()))
    return _Steps(cycle=cycle, slot=slot, place=place, type=step_type, day=day, ori=ori)


@dataclass
class _Counts:
    """Per count of a step: what one row (or several sentence-part rows) is about."""

    step: np.ndarray
    place: np.ndarray
    cycle: np.ndarray
    charge: np.ndarray  # index into _Charges
    slot: np.ndarray
    convicted: np.ndarray
    arrest: np.ndarray  # a count of an arrest step
    disposition: np.ndarray  # index into DISPOSITIONS
    status: np.ndarray  # CONV_STAT: index into _STATUS_DESCR (3: none)
    toc: np.ndarray  # index into _TOC
    shown: np.ndarray  # the offense OFFENSE_DESCR shows (the charge)
    descr: np.ndarray  # index into the OFFENSE_DESCR table (offense x 3 forms)
    comment: np.ndarray  # index into the COMMENT_TEXT table
    disp_offense: np.ndarray  # DISP_OFFENSE_DESCR: 0 empty, else 1 + offense
    conv_offense: np.ndarray  # CONV_OFFENSE_DESCR: the same


def _draw_counts(d: _Draw, cyc: _Cycles, ch: _Charges, st: _Steps) -> _Counts:
    rng, off = d.rng, d.off
    n_charges = np.diff(np.append(ch.start, len(ch.cycle)))
    step, place = _within(np.where(st.slot <= 1, n_charges[st.cycle], 1))
    n = len(step)
    cycle = st.cycle[step]
    charge = ch.start[cycle] + place
    slot = st.slot[step]
    court = slot == 1
    convicted = court & ch.convicted[charge]
    kind = cyc.kind[cycle]
    v, v2 = rng.random(n), rng.random(n)
    dismissed = np.where(kind == _CONVICTED, np.where(v < 0.8, 5, 6),
                         np.where(v < 0.6, 5, np.where(v < 0.8, 6, 7)))
    suffix = _MAIN_LOC[ch.template[charge]]
    convicted_disp = np.where((v < 0.25) & (suffix > 0), 1 + suffix, 1)
    no_court = np.where(v < 0.55, 8, np.where(v < 0.8, 9, 10))
    disposition = np.select([convicted, court, (slot == 0) & (kind == _ARREST_ONLY)],
                            [convicted_disp, dismissed, no_court], 0)
    n_off = len(off.texts)
    shown = ch.shown[charge]
    style = ch.comment_style[charge]
    block = np.where(style <= 1, style, np.where(style == 2, 2, 5) + np.minimum(place, 2))
    comment = np.select(
        [ch.comment_only[charge] > 0, ch.mention[charge] & convicted, convicted & (v2 < 0.06)],
        [1 + shown + n_off * block,
         _FIRST_MENTION * n_off + 1 + ch.mention_text[charge],
         _FIRST_MENTION * n_off + 1 + len(_MENTION_SECTIONS) * len(_MENTION_FORMS)
         + rng.integers(0, len(COMMENTS), n)], 0)
    level, form = ch.level[charge], ch.level_form[charge]
    status = np.select([form == 0, form == _LOWER_FELONY, np.isin(form, (2, 3, 4))],
                       [level, 7, form + 2], 3)
    toc = np.select([form == 1, form == 6, form == 7], [level, 3, 4], ch.charged[charge])
    written = convicted * ch.convicted_of[charge]
    return _Counts(
        step=step, place=place, cycle=cycle, charge=charge, slot=slot, convicted=convicted,
        arrest=(slot == 0) & (kind <= _ARREST_ONLY), disposition=disposition,
        status=np.where(convicted, status, 3), toc=np.where(convicted, toc, ch.charged[charge]),
        shown=shown, descr=shown + n_off * ch.comment_only[charge], comment=comment,
        disp_offense=np.where(written & 1, 1 + ch.offense[charge], 0),
        conv_offense=np.where(written & 2, 1 + ch.offense[charge], 0),
    )


@dataclass
class _Parts:
    """Per row: a count, and the sentence part the row holds (if any)."""

    count: np.ndarray
    place: np.ndarray
    sentenced: np.ndarray
    length: np.ndarray
    loc: np.ndarray  # 0 probation, 1 jail, 2 prison, 3 none
    unit: np.ndarray  # 0 D, 1 M, 2 Y, 3 none


def _draw_parts(d: _Draw, ch: _Charges, ct: _Counts) -> _Parts:
    template = ch.template[ct.charge]
    sentenced = ct.convicted & (template != _T["none"])
    count, place = _within(np.where(sentenced, _PARTS_OF[template], 1))
    sentenced = sentenced[count]
    rows = [part for name in _SENT_NAMES for part in SENTENCES[name]]
    first_part = np.cumsum(_PARTS_OF) - _PARTS_OF
    part = np.where(sentenced, first_part[template[count]] + place, 0)
    lo, hi = np.array([r[1] for r in rows])[part], np.array([r[2] for r in rows])[part]
    length = lo + (d.rng.random(len(count)) * (hi - lo + 1)).astype(np.int64)
    loc = np.array([("PROBATION", "JAIL", "PRISON").index(r[0]) for r in rows])[part]
    unit = np.array(["DMY".index(r[3]) for r in rows])[part]
    return _Parts(count=count, place=place, sentenced=sentenced, length=length,
                  loc=np.where(sentenced, loc, 3), unit=np.where(sentenced, unit, 3))


@dataclass
class _Drawn:
    """Everything drawn for a file, before any text."""

    d: _Draw
    pp: _People
    cyc: _Cycles
    ch: _Charges
    st: _Steps
    ct: _Counts
    parts: _Parts


def _draw_all(county: str, people: int, seed: int) -> _Drawn:
    """Draw every person, cycle, step, count and sentence part."""
    counties = california_counties()
    home = counties.index(county)
    elsewhere = _county_populations().copy()
    elsewhere[home] = 0.0
    d = _Draw(rng=np.random.Generator(np.random.PCG64([seed, home + 1])), off=_offenses(),
              home=home, elsewhere=elsewhere, effective=_day(prop64_effective_date()),
              as_of=_day(statewide_as_of()))
    pp = _draw_people(d, people)
    cyc = _draw_cycles(d, pp)
    ch = _draw_charges(d, pp, cyc)
    st = _draw_steps(d, pp, cyc, ch)
    ct = _draw_counts(d, cyc, ch, st)
    return _Drawn(d, pp, cyc, ch, st, ct, _draw_parts(d, ch, ct))


def _plan(county: str, people: int, seed: int) -> _Plan:
    """Draw the file, then say how each column is written from the draws."""
    drawn = _draw_all(county, people, seed)
    d, pp, cyc, ch, st, ct, parts = (drawn.d, drawn.pp, drawn.cyc, drawn.ch, drawn.st,
                                     drawn.ct, drawn.parts)
    columns = {c: "#" if c.endswith("_SEG_SEP") else "" for c in DOJ_COLUMNS}
    columns["END_OF_REC"] = "#\n"
    columns.update(_person_columns(d, pp))
    columns.update(_event_columns(d, pp, cyc, ch, st, ct, parts))
    sizes = [people, len(cyc.person), len(st.cycle), len(ct.step), len(parts.count)]
    parents = [np.zeros(0, dtype=np.int64), cyc.person, st.cycle, ct.step, parts.count]
    starts = [np.concatenate([[0], np.cumsum(np.bincount(parents[k + 1], minlength=sizes[k]))])
              for k in range(4)]
    return _Plan(columns, starts, parents, sizes)


# ---------------------------------------------------------------------------------------
# Columns: how each is written from the arrays (a constant, or text per batch)

def _text(level: int, table: pa.Array, codes: np.ndarray) -> tuple[int, Callable]:
    """Column whose values are `table[codes]`."""
    return level, lambda b: table.take(b.cut(level, codes))


def _number(level: int, values: np.ndarray, width: int = 0,
            empty: np.ndarray | None = None) -> tuple[int, Callable]:
    """Column of integers (zero-padded to `width`; empty where `empty` or negative)."""
    return level, lambda b: _numbers(
        b.cut(level, values), width, None if empty is None else b.cut(level, empty))


def _coded(prefix: str, values: np.ndarray, width: int, suffix: str = "",
           last_digit: np.ndarray | None = None) -> tuple[int, Callable]:
    """Person column such as `999` + 6 digits or 6 digits + `ZZ` + 1 digit; empty where
    `values` < 0."""
    def build(b: _Batch) -> pa.Array:
        nums = b.cut(_PERSON, values)
        parts = [prefix, _numbers(nums, width), suffix]
        if last_digit is not None:
            parts.append(_numbers(b.cut(_PERSON, last_digit)))
        return pc.if_else(pa.array(nums < 0), "", pc.binary_join_element_wise(*parts, ""))
    return _PERSON, build


def _person_columns(d: _Draw, pp: _People) -> dict[str, ColumnSpec]:
    """Identity, obviously fake identifiers and descriptions: the same on every row."""
    rng, n = d.rng, len(pp.dob)
    subject_id = rng.integers(10_000_000, 20_000_000) + np.cumsum(rng.integers(1, 400, n))
    short_cii = rng.random(n) < 0.3  # 8 digits, leading zeros kept; else 9 digits
    cii = np.where(short_cii, rng.choice(100_000_000, n, replace=False),
                   100_000_000 + rng.choice(900_000_000, n, replace=False))
    female = rng.random(n) < 0.2
    last = rng.integers(0, len(LAST_NAMES), n)
    first = np.where(female, len(MALE_FIRST_NAMES) + rng.integers(0, len(FEMALE_FIRST_NAMES), n),
                     rng.integers(0, len(MALE_FIRST_NAMES), n))
    initial = np.where(rng.random(n) < 0.7, rng.integers(1, 27, n), 0)
    dob = _ymd(pp.dob)
    dob = np.where(pp.dob_form == 1, dob // 10000 * 10000, dob)
    inches = np.round(np.where(female, rng.normal(64.5, 2.5, n), rng.normal(70, 3, n)))
    inches = inches.clip(56, 82).astype(np.int64)
    weight = np.round(np.where(female, rng.normal(150, 30, n), rng.normal(185, 35, n)))
    race = _pick(rng, [r[2] for r in RACES], n)
    eye = _pick(rng, [r[2] for r in EYES], n)
    hair = _pick(rng, [r[2] for r in HAIRS], n)
    pob = _pick(rng, [r[4] for r in BIRTHPLACES], n)
    fbi = rng.integers(0, 10_000_000, n)
    last_names, first_names = pa.array(LAST_NAMES), pa.array(MALE_FIRST_NAMES + FEMALE_FIRST_NAMES)
    initials = pa.array([""] + [" " + chr(64 + i) for i in range(1, 27)])

    def names(b: _Batch) -> pa.Array:  # "LAST,FIRST M", quoted for the comma
        return pc.binary_join_element_wise(
            '"', last_names.take(b.cut(_PERSON, last)), ",",
            first_names.take(b.cut(_PERSON, first)), initials.take(b.cut(_PERSON, initial)),
            '"', "")

    def cii_text(b: _Batch) -> pa.Array:
        values = b.cut(_PERSON, cii)
        return pc.if_else(pa.array(b.cut(_PERSON, short_cii)), _numbers(values, 8),
                          _numbers(values))

    identity = {
        "CII_NUMBER": (_PERSON, cii_text), "NAME": (_PERSON, names),
        "GENDER": _text(_PERSON, pa.array(["M", "F"]), female.astype(np.int64)),
        "DOB": _number(_PERSON, dob, 0, pp.dob_form == 2),
        "CDL": _coded("X", rng.integers(0, 10_000_000, n), 7),
        "SSN": _coded("999", rng.integers(0, 1_000_000, n), 6),
    }
    columns = {f"REQ_{k}": v for k, v in identity.items()}
    columns.update({f"PRI_{k}" if k in ("NAME", "DOB", "CDL", "SSN") else k: v
                    for k, v in identity.items()})

    def table(rows: tuple, field: int, codes: np.ndarray) -> tuple[int, Callable]:
        return _text(_PERSON, _csv([r[field] for r in rows]), codes)

    columns.update({
        "SUBJECT_ID": _number(_PERSON, subject_id),
        "PRI_INN": _coded("Z", np.where(rng.random(n) < 0.25, rng.integers(10_000, 99_999, n),
                                        -1), 5),
        "FBI_NUMBER": _coded("", fbi // 10, 6, "ZZ", fbi % 10),
        "RACE_CODE": table(RACES, 0, race), "RACE_DESCR": table(RACES, 1, race),
        "EYE_COLOR_CODE": table(EYES, 0, eye), "EYE_COLOR_DESCR": table(EYES, 1, eye),
        "HAIR_COLOR_CODE": table(HAIRS, 0, hair), "HAIR_COLOR_DESCR": table(HAIRS, 1, hair),
        "HEIGHT": _number(_PERSON, inches // 12 * 100 + inches % 12),
        "WEIGHT": _number(_PERSON, weight.clip(95, 380).astype(np.int64)),
        "POB_CODE": table(BIRTHPLACES, 0, pob), "POB_NAME": table(BIRTHPLACES, 1, pob),
        "POB_TYPE": table(BIRTHPLACES, 2, pob), "CITIZENSHIP_LIST": table(BIRTHPLACES, 3, pob),
    })
    return columns


def _agency_table() -> list[tuple[str, str, str, str, str, str]]:
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


_FIRST_MENTION = 8  # comment charges: 8 blocks of one text per offense (_comment_charges)


def _comment_charges(off: _Offenses) -> list[str]:
    """A charge as COMMENT_TEXT writes it, one block of texts per style and count number:
    the DOJ text, `CHARGE ...`, `CNT 01 CHRG-...` (counts 01-03) and `CNT 01 11357(A) POSS`
    (counts 01-03; the code left out)."""
    def short(descr: str) -> str:
        return descr.replace("POSSESS", "POSS").replace("MARIJUANA", "MJ").replace("MARIJ", "MJ")

    texts = list(off.texts)
    texts += [f"CHARGE {w} {x.replace('POSSESS', 'POSS')}"
              for w, x in zip(off.written, off.descr, strict=True)]
    for nn in (1, 2, 3):
        texts += [f"CNT {nn:02d} CHRG-{w} {short(x)}"
                  for w, x in zip(off.written, off.descr, strict=True)]
    for nn in (1, 2, 3):
        texts += [f"CNT {nn:02d} {b} {(short(x).split() or [''])[0]}"
                  for b, x in zip(off.bare, off.descr, strict=True)]
    return texts


def _event_columns(d: _Draw, pp: _People, cyc: _Cycles, ch: _Charges, st: _Steps,
                   ct: _Counts, parts: _Parts) -> dict[str, ColumnSpec]:
    """Cycle, step, count and sentence columns."""
    rng, off, n_cyc = d.rng, d.off, len(cyc.person)
    cycle_day = _ymd(np.where(cyc.arrested, cyc.day, cyc.court_day))
    age = (cycle_day - _ymd(pp.dob[cyc.person])) // 10000  # completed years
    court_day = _ymd(cyc.court_day)
    # Court case numbers (`16F012345`) and arrest/booking numbers, per cycle.
    case_year, case_seq = court_day // 10000 % 100, rng.integers(1, 999_999, n_cyc)
    case_letter = np.where(ch.level[ch.start] == 0, 0, 1)
    case_in_fe = rng.random(n_cyc)  # < .06: only in FE_NUM_CRT_CASE; < .16: in both
    arrest_no = rng.integers(1_000_000, 99_999_999, n_cyc)
    arrest_no_shown, booking_shown = rng.random(n_cyc) < 0.7, rng.random(n_cyc) < 0.5
    disp_date_shown = rng.random(n_cyc) < 0.3
    court = ct.slot == 1

    def case_numbers(b: _Batch) -> pa.Array:  # per count of the batch
        up = b.up(_COUNT, _CYCLE)
        return pc.binary_join_element_wise(
            _numbers(b.cut(_CYCLE, case_year), 2),
            pa.array(["F", "M"]).take(b.cut(_CYCLE, case_letter)),
            _numbers(b.cut(_CYCLE, case_seq), 6), "").take(up)

    def ofn(b: _Batch) -> pa.Array:
        up = b.up(_COUNT, _CYCLE)
        in_ofn = b.cut(_COUNT, court) & (b.cut(_CYCLE, case_in_fe)[up] >= 0.06)
        arrest = b.cut(_COUNT, ct.arrest) & b.cut(_CYCLE, arrest_no_shown)[up]
        return pc.if_else(pa.array(in_ofn), case_numbers(b), pc.if_else(
            pa.array(arrest), _numbers(b.cut(_CYCLE, arrest_no)[up]), ""))

    def court_case(b: _Batch) -> pa.Array:
        up = b.up(_COUNT, _CYCLE)
        shown = b.cut(_COUNT, court) & (b.cut(_CYCLE, case_in_fe)[up] < 0.16)
        return pc.if_else(pa.array(shown), case_numbers(b), "")

    def booking(b: _Batch) -> pa.Array:
        up = b.up(_COUNT, _CYCLE)
        shown = b.cut(_COUNT, ct.arrest) & b.cut(_CYCLE, booking_shown)[up]
        return _numbers(b.cut(_CYCLE, arrest_no)[up] + 7, 0, ~shown)

    agencies = _agency_table()

    def ori(field: int) -> tuple[int, Callable]:
        return _text(_STEP, _csv([r[field] for r in agencies]), st.ori)

    n_off = len(off.texts)
    codes = [f"{10_000 + 37 * i}" if t else "" for i, t in enumerate(off.texts)]
    descr = off.texts + [""] * n_off + ["SEE COMMENT FOR CHARGE"] * n_off
    comments = [""] + _comment_charges(off) + [
        form.format(s) for s in _MENTION_SECTIONS for form in _MENTION_FORMS] + list(COMMENTS)
    convicted_of = _csv([""] + off.texts)
    cnt_order = ((cyc.place[ct.cycle] + 1) * 10**9 + (st.place[ct.step] + 1) * 10**6
                 + (ct.place + 1) * 1000)
    locs = ("PROBATION", "JAIL", "PRISON")
    return {
        "RECORD_ID": (_ROW, lambda b: _numbers(np.arange(b.lo[_ROW], b.hi[_ROW]) + 1)),
        "CYC_ORDER": _number(_CYCLE, cyc.place + 1, 3),
        "CYC_DATE": _number(_CYCLE, cycle_day),
        "CYC_AGE": _number(_CYCLE, age, 0, pp.dob_form[cyc.person] == 2),
        "STP_ORDER": _number(_STEP, st.place + 1, 3),
        "STP_EVENT_DATE": _number(_STEP, _ymd(st.day)),
        "STP_TYPE_CODE": _text(_STEP, _csv([t[0] for t in STEP_TYPES]), st.type),
        "STP_TYPE_DESCR": _text(_STEP, _csv([t[1] for t in STEP_TYPES]), st.type),
        "STP_ORI_CODE": ori(0), "STP_ORI_DESCR": ori(1), "STP_ORI_TYPE": ori(2),
        "STP_ORI_TYPE_DESCR": ori(3), "STP_ORI_CNTY_CODE": ori(4), "STP_ORI_CNTY_NAME": ori(5),
        "CNT_ORDER": _number(_COUNT, cnt_order, 12),
        "DISP_DATE": _number(_COUNT, court_day[ct.cycle], 0,
                             ~(court & disp_date_shown[ct.cycle])),
        "OFN": (_COUNT, ofn),
        "OFFENSE_CODE": _text(_COUNT, _csv(codes), ct.shown),
        "OFFENSE_DESCR": _text(_COUNT, _csv(descr), ct.descr),
        "OFFENSE_TOC": _text(_COUNT, pa.array(_TOC), ct.toc),
        "DISP_OFFENSE_DESCR": _text(_COUNT, convicted_of, ct.disp_offense),
        "CONV_OFFENSE_DESCR": _text(_COUNT, convicted_of, ct.conv_offense),
        "FE_NUM_BOOKING": (_COUNT, booking),
        "FE_NUM_CRT_CASE": (_COUNT, court_case),
        "DISP_DESCR": _text(_COUNT, _csv(DISPOSITIONS), ct.disposition),
        "CONV_STAT_CODE": _text(_COUNT, pa.array(_STATUS_CODE), ct.status),
        "CONV_STAT_DESCR": _text(_COUNT, pa.array(_STATUS_DESCR), ct.status),
        "COMMENT_TEXT": _text(_COUNT, _csv(comments), ct.comment),
        "SENT_ORDER": _number(_ROW, parts.place + 1, 3, ~parts.sentenced),
        "SENT_LOC_CODE": _text(_ROW, pa.array([_LOC_CODES[x] for x in locs] + [""]),
                               parts.loc),
        "SENT_LOC_DESCR": _text(_ROW, pa.array([*locs, ""]), parts.loc),
        "SENT_LENGTH": _number(_ROW, parts.length, 0, ~parts.sentenced),
        "SENT_TIME_CODE": _text(_ROW, pa.array(["D", "M", "Y", ""]), parts.unit),
        "SENT_TIME_DESCR": _text(_ROW, pa.array([*_UNITS.values(), ""]), parts.unit),
    }


# ---------------------------------------------------------------------------------------
# Writing: per batch of whole people, join each level's fields, then the rows.

@dataclass
class _Batch:
    """One batch of whole people: the item range of every level."""

    plan: _Plan
    lo: list[int]
    hi: list[int]

    def cut(self, level: int, values: np.ndarray) -> np.ndarray:
        return values[self.lo[level]:self.hi[level]]

    def up(self, level: int, target: int) -> np.ndarray:
        """For each item of `level` in the batch, its item of coarser level `target`,
        as an index local to the batch."""
        index = np.arange(self.hi[level] - self.lo[level])
        for k in range(level, target, -1):
            index = self.plan.parents[k][index + self.lo[k]] - self.lo[k - 1]
        return index


def _runs(columns: dict[str, ColumnSpec]) -> list[tuple[int, list]]:
    """Consecutive columns grouped by level (constants join the run before them), with
    consecutive constants merged into one literal."""
    runs: list[tuple[int, list]] = []
    for name in DOJ_COLUMNS:
        spec = columns[name]
        if isinstance(spec, str):
            if not runs:
                runs.append((_ROW, []))
            items = runs[-1][1]
            if items and isinstance(items[-1], str):
                items[-1] += "," + spec
            else:
                items.append(spec)
            continue
        level, build = spec
        if runs and (runs[-1][0] == level or not any(callable(i) for i in runs[-1][1])):
            runs[-1] = (level, runs[-1][1] + [build])
        else:
            runs.append((level, [build]))
    return runs


def _batches(plan: _Plan) -> list[_Batch]:
    """Whole people, about BATCH_ROWS rows at a time."""
    person_rows = plan.starts[0]
    for k in range(1, 4):
        person_rows = plan.starts[k][person_rows]
    cuts = np.searchsorted(person_rows, np.arange(BATCH_ROWS, person_rows[-1], BATCH_ROWS))
    bounds = np.unique(np.concatenate([[0], cuts, [plan.sizes[_PERSON]]]))
    batches = []
    for p0, p1 in zip(bounds[:-1], bounds[1:], strict=True):
        lo, hi = [int(p0)], [int(p1)]
        for k in range(4):
            lo.append(int(plan.starts[k][lo[-1]]))
            hi.append(int(plan.starts[k][hi[-1]]))
        batches.append(_Batch(plan, lo, hi))
    return batches


def _lines(batch: _Batch, runs: list[tuple[int, list]]) -> pa.Array:
    """The batch's CSV lines: each run joined at its own level, then repeated to rows."""
    pieces = []
    for level, items in runs:
        values = [i if isinstance(i, str) else i(batch) for i in items]
        joined = values[0] if len(values) == 1 else pc.binary_join_element_wise(*values, ",")
        if isinstance(joined, str):
            joined = pa.scalar(joined)
        elif level != _ROW:
            joined = joined.take(batch.up(_ROW, level))
        pieces.append(joined)
    return pc.binary_join_element_wise(*pieces, ",")


def _write(plan: _Plan, out: BinaryIO, header: bool) -> int:
    """Write the header (if asked) and every row; returns the number of rows."""
    if header:
        out.write((",".join(DOJ_COLUMNS) + "\n").encode("utf-8"))
    runs = _runs(plan.columns)
    for batch in _batches(plan):
        lines = _lines(batch, runs)  # the text of all lines is one contiguous buffer
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1,
                                offset=lines.offset * 4)
        out.write(memoryview(lines.buffers()[2])[offsets[0]:offsets[-1]])
    return plan.sizes[_ROW]
