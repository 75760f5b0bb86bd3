"""People and their identities: who is in the file, the span of their record, the rare
features each gets, and the identity columns (common names drawn at random; SSNs start
with 999, licences with X, FBI numbers carry ZZ: never anyone's record)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cmr_xl.synthetic.arrays import day_number, give, one, pick, uniform_days, ymd
from cmr_xl.synthetic.draw import EVERY_FEATURE_FROM, Draw
from cmr_xl.synthetic.layout import (
    PERSON,
    Batch,
    ColumnSpec,
    coded_column,
    csv_quoted,
    number_column,
    number_texts,
    text_column,
)

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


@dataclass
class People:
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


def draw_people(d: Draw, n: int) -> People:
    rng = d.rng
    age_group = pick(rng, [0.025, 0.065, 0.91], n)  # under 21 now, over 65, others
    for group in (0, 1):  # a file of a few hundred people has both
        if n >= EVERY_FEATURE_FROM and not (age_group == group).any():
            age_group[rng.choice(np.flatnonzero(age_group == 2))] = group
    young, old = age_group == 0, age_group == 1
    lo, hi = day_number("1955-07-02"), day_number("1999-06-30")
    dob = day_number("1978-01-01") + rng.normal(0, 11 * 365.25, n).astype(np.int64)
    outside = (dob < lo) | (dob > hi)
    dob[outside] = uniform_days(rng, lo, hi, int(outside.sum()))
    dob = np.where(young, uniform_days(rng, day_number("1999-07-02"), day_number("2000-10-31"), n), dob)
    dob = np.where(old, uniform_days(rng, day_number("1930-01-01"), day_number("1955-06-30"), n), dob)
    start = np.maximum(dob + np.where(young, 16, 18) * 365 + 4, day_number("1971-01-01"))
    death_lo = np.maximum(start + 4 * 365, day_number("1990-01-01"))
    can_die = ~young & (death_lo < d.as_of - 30)
    deceased = (rng.random(n) < np.where(old, 0.10, 0.025)) & can_die
    if n >= EVERY_FEATURE_FROM:
        give(rng, deceased, can_die, True)  # all deceased can die: nobody died, one does
    end = np.where(deceased, uniform_days(rng, death_lo, d.as_of - 15), d.as_of - 1)
    u = rng.random((n, 10))
    only_p64 = u[:, 0] < 0.06
    pc290 = ~only_p64 & (u[:, 3] < 0.04)
    pp = People(
        dob=dob, start=start, end=end, anchor_hi=np.minimum(end, d.effective - 1),
        second=pick(rng, d.elsewhere, n), deceased=deceased, only_p64=only_p64,
        anchor_away=u[:, 1] < 0.03,
        super_strike=~only_p64 & (u[:, 2] < 0.04),
        pc290=pc290,
        registers=(pc290 & (u[:, 4] < 0.85)) | (~only_p64 & (u[:, 4] > 0.99)),
        post2016=(u[:, 5] < 0.06) & (end > d.effective + 90),
        serving_p64=(u[:, 6] < 0.02) & ~deceased & (start < day_number("2012-01-01")),
        serving_other=~only_p64 & (u[:, 7] < 0.03) & ~deceased & (start < day_number("2014-01-01")),
        prior_same=u[:, 8] < 0.05,
        dob_form=np.where(u[:, 9] < 0.005, 2, np.where(u[:, 9] < 0.01, 1, 0)),
    )
    if n >= EVERY_FEATURE_FROM:
        _ensure_rare_features(rng, pp, adult=age_group == 2)
    return pp


def _ensure_rare_features(rng: np.random.Generator, pp: People, adult: np.ndarray) -> None:
    """A file of a few hundred people shows every feature, however the dice fell: a rare
    feature nobody got goes to one person who can have it."""
    def ensure(flag: np.ndarray, eligible: np.ndarray, value: int | bool = True) -> None:
        if not (flag == value).any():  # nobody at all, not just nobody eligible
            give(rng, flag, eligible, value)

    ensure(pp.dob_form, adult & (pp.dob_form == 0), 1)
    ensure(pp.dob_form, adult & (pp.dob_form == 0), 2)
    ensure(pp.serving_p64, ~pp.deceased & (pp.start < day_number("2012-01-01")))
    ensure(pp.serving_other, ~pp.deceased & ~pp.only_p64 & (pp.start < day_number("2014-01-01")))
    ensure(pp.post2016, pp.end > day_number("2017-03-01"))
    for flag in (pp.super_strike, pp.pc290, pp.registers):
        ensure(flag, ~pp.only_p64)
    if pp.super_strike.sum() < 2:  # two: the classic 187 PC and the rare MVC 1672(a)
        i = one(rng, ~pp.only_p64 & ~pp.super_strike)
        if i is not None:
            pp.super_strike[i] = True
    ordinary = ~pp.super_strike & ~pp.pc290 & ~pp.serving_other
    ensure(pp.only_p64, ordinary)
    ensure(pp.anchor_away, ordinary)
    ensure(pp.prior_same, ordinary & (pp.anchor_hi - pp.start > 8 * 365))


def person_columns(d: Draw, pp: People) -> dict[str, ColumnSpec]:
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
    dob = ymd(pp.dob)
    dob = np.where(pp.dob_form == 1, dob // 10000 * 10000, dob)
    inches = np.round(np.where(female, rng.normal(64.5, 2.5, n), rng.normal(70, 3, n)))
    inches = inches.clip(56, 82).astype(np.int64)
    weight = np.round(np.where(female, rng.normal(150, 30, n), rng.normal(185, 35, n)))
    race = pick(rng, [r[2] for r in RACES], n)
    eye = pick(rng, [r[2] for r in EYES], n)
    hair = pick(rng, [r[2] for r in HAIRS], n)
    pob = pick(rng, [r[4] for r in BIRTHPLACES], n)
    fbi = rng.integers(0, 10_000_000, n)
    last_names, first_names = pa.array(LAST_NAMES), pa.array(MALE_FIRST_NAMES + FEMALE_FIRST_NAMES)
    initials = pa.array([""] + [" " + chr(64 + i) for i in range(1, 27)])

    def names(b: Batch) -> pa.Array:  # "LAST,FIRST M", quoted for the comma
        return pc.binary_join_element_wise(
            '"', last_names.take(b.cut(PERSON, last)), ",",
            first_names.take(b.cut(PERSON, first)), initials.take(b.cut(PERSON, initial)),
            '"', "")

    def cii_text(b: Batch) -> pa.Array:
        values = b.cut(PERSON, cii)
        return pc.if_else(pa.array(b.cut(PERSON, short_cii)), number_texts(values, 8),
                          number_texts(values))

    identity = {
        "CII_NUMBER": (PERSON, cii_text), "NAME": (PERSON, names),
        "GENDER": text_column(PERSON, pa.array(["M", "F"]), female.astype(np.int64)),
        "DOB": number_column(PERSON, dob, 0, pp.dob_form == 2),
        "CDL": coded_column("X", rng.integers(0, 10_000_000, n), 7),
        "SSN": coded_column("999", rng.integers(0, 1_000_000, n), 6),
    }
    columns = {f"REQ_{k}": v for k, v in identity.items()}
    columns.update({f"PRI_{k}" if k in ("NAME", "DOB", "CDL", "SSN") else k: v
                    for k, v in identity.items()})

    def table(rows: tuple, field: int, codes: np.ndarray) -> tuple[int, Callable]:
        return text_column(PERSON, csv_quoted([r[field] for r in rows]), codes)

    columns.update({
        "SUBJECT_ID": number_column(PERSON, subject_id),
        "PRI_INN": coded_column("Z", np.where(rng.random(n) < 0.25, rng.integers(10_000, 99_999, n),
                                              -1), 5),
        "FBI_NUMBER": coded_column("", fbi // 10, 6, "ZZ", fbi % 10),
        "RACE_CODE": table(RACES, 0, race), "RACE_DESCR": table(RACES, 1, race),
        "EYE_COLOR_CODE": table(EYES, 0, eye), "EYE_COLOR_DESCR": table(EYES, 1, eye),
        "HAIR_COLOR_CODE": table(HAIRS, 0, hair), "HAIR_COLOR_DESCR": table(HAIRS, 1, hair),
        "HEIGHT": number_column(PERSON, inches // 12 * 100 + inches % 12),
        "WEIGHT": number_column(PERSON, weight.clip(95, 380).astype(np.int64)),
        "POB_CODE": table(BIRTHPLACES, 0, pob), "POB_NAME": table(BIRTHPLACES, 1, pob),
        "POB_TYPE": table(BIRTHPLACES, 2, pob), "CITIZENSHIP_LIST": table(BIRTHPLACES, 3, pob),
    })
    return columns
