"""How the cycle, step, count and sentence columns are written from the draws (the
person columns are in people.py): case and booking numbers, agencies, offense texts,
comments, levels and sentence parts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cmr_xl.synthetic.arrays import ymd
from cmr_xl.synthetic.doj_codes import (
    DISPOSITIONS,
    LOC_CODES,
    STATUS_CODE,
    STATUS_DESCR,
    STEP_TYPES,
    TOC,
    UNITS,
    agency_table,
)
from cmr_xl.synthetic.draw import Draw
from cmr_xl.synthetic.history import Charges, Cycles
from cmr_xl.synthetic.layout import (
    COUNT,
    CYCLE,
    ROW,
    STEP,
    Batch,
    ColumnSpec,
    csv_quoted,
    number_column,
    number_texts,
    text_column,
)
from cmr_xl.synthetic.offenses import COMMENTS, MENTION_FORMS, MENTION_SECTIONS, comment_charges
from cmr_xl.synthetic.people import People
from cmr_xl.synthetic.steps import Counts, Parts, Steps


def event_columns(d: Draw, pp: People, cyc: Cycles, ch: Charges, st: Steps,
                  ct: Counts, parts: Parts) -> dict[str, ColumnSpec]:
    """Cycle, step, count and sentence columns."""
    rng, off, n_cyc = d.rng, d.off, len(cyc.person)
    cycle_day = ymd(np.where(cyc.arrested, cyc.day, cyc.court_day))
    age = (cycle_day - ymd(pp.dob[cyc.person])) // 10000  # completed years
    court_day = ymd(cyc.court_day)
    # Court case numbers (`16F012345`) and arrest/booking numbers, per cycle.
    case_year, case_seq = court_day // 10000 % 100, rng.integers(1, 999_999, n_cyc)
    case_letter = np.where(ch.level[ch.start] == 0, 0, 1)
    case_in_fe = rng.random(n_cyc)  # < .06: only in FE_NUM_CRT_CASE; < .16: in both
    arrest_no = rng.integers(1_000_000, 99_999_999, n_cyc)
    arrest_no_shown, booking_shown = rng.random(n_cyc) < 0.7, rng.random(n_cyc) < 0.5
    disp_date_shown = rng.random(n_cyc) < 0.3
    court = ct.slot == 1

    def case_numbers(b: Batch) -> pa.Array:  # per count of the batch
        up = b.up(COUNT, CYCLE)
        return pc.binary_join_element_wise(
            number_texts(b.cut(CYCLE, case_year), 2),
            pa.array(["F", "M"]).take(b.cut(CYCLE, case_letter)),
            number_texts(b.cut(CYCLE, case_seq), 6), "").take(up)

    def ofn(b: Batch) -> pa.Array:
        up = b.up(COUNT, CYCLE)
        in_ofn = b.cut(COUNT, court) & (b.cut(CYCLE, case_in_fe)[up] >= 0.06)
        arrest = b.cut(COUNT, ct.arrest) & b.cut(CYCLE, arrest_no_shown)[up]
        return pc.if_else(pa.array(in_ofn), case_numbers(b), pc.if_else(
            pa.array(arrest), number_texts(b.cut(CYCLE, arrest_no)[up]), ""))

    def court_case(b: Batch) -> pa.Array:
        up = b.up(COUNT, CYCLE)
        shown = b.cut(COUNT, court) & (b.cut(CYCLE, case_in_fe)[up] < 0.16)
        return pc.if_else(pa.array(shown), case_numbers(b), "")

    def booking(b: Batch) -> pa.Array:
        up = b.up(COUNT, CYCLE)
        shown = b.cut(COUNT, ct.arrest) & b.cut(CYCLE, booking_shown)[up]
        return number_texts(b.cut(CYCLE, arrest_no)[up] + 7, 0, ~shown)

    agencies = agency_table()

    def ori(field: int) -> tuple[int, Callable]:
        return text_column(STEP, csv_quoted([r[field] for r in agencies]), st.ori)

    n_off = len(off.texts)
    codes = [f"{10_000 + 37 * i}" if t else "" for i, t in enumerate(off.texts)]
    descr = off.texts + [""] * n_off + ["SEE COMMENT FOR CHARGE"] * n_off
    comments = [""] + comment_charges(off) + [
        form.format(s) for s in MENTION_SECTIONS for form in MENTION_FORMS] + list(COMMENTS)
    convicted_of = csv_quoted([""] + off.texts)
    cnt_order = ((cyc.place[ct.cycle] + 1) * 10**9 + (st.place[ct.step] + 1) * 10**6
                 + (ct.place + 1) * 1000)
    locs = ("PROBATION", "JAIL", "PRISON")
    return {
        "RECORD_ID": (ROW, lambda b: number_texts(np.arange(b.lo[ROW], b.hi[ROW]) + 1)),
        "CYC_ORDER": number_column(CYCLE, cyc.place + 1, 3),
        "CYC_DATE": number_column(CYCLE, cycle_day),
        "CYC_AGE": number_column(CYCLE, age, 0, pp.dob_form[cyc.person] == 2),
        "STP_ORDER": number_column(STEP, st.place + 1, 3),
        "STP_EVENT_DATE": number_column(STEP, ymd(st.day)),
        "STP_TYPE_CODE": text_column(STEP, csv_quoted([t[0] for t in STEP_TYPES]), st.type),
        "STP_TYPE_DESCR": text_column(STEP, csv_quoted([t[1] for t in STEP_TYPES]), st.type),
        "STP_ORI_CODE": ori(0), "STP_ORI_DESCR": ori(1), "STP_ORI_TYPE": ori(2),
        "STP_ORI_TYPE_DESCR": ori(3), "STP_ORI_CNTY_CODE": ori(4), "STP_ORI_CNTY_NAME": ori(5),
        "CNT_ORDER": number_column(COUNT, cnt_order, 12),
        "DISP_DATE": number_column(COUNT, court_day[ct.cycle], 0,
                                   ~(court & disp_date_shown[ct.cycle])),
        "OFN": (COUNT, ofn),
        "OFFENSE_CODE": text_column(COUNT, csv_quoted(codes), ct.shown),
        "OFFENSE_DESCR": text_column(COUNT, csv_quoted(descr), ct.descr),
        "OFFENSE_TOC": text_column(COUNT, pa.array(TOC), ct.toc),
        "DISP_OFFENSE_DESCR": text_column(COUNT, convicted_of, ct.disp_offense),
        "CONV_OFFENSE_DESCR": text_column(COUNT, convicted_of, ct.conv_offense),
        "FE_NUM_BOOKING": (COUNT, booking),
        "FE_NUM_CRT_CASE": (COUNT, court_case),
        "DISP_DESCR": text_column(COUNT, csv_quoted(DISPOSITIONS), ct.disposition),
        "CONV_STAT_CODE": text_column(COUNT, pa.array(STATUS_CODE), ct.status),
        "CONV_STAT_DESCR": text_column(COUNT, pa.array(STATUS_DESCR), ct.status),
        "COMMENT_TEXT": text_column(COUNT, csv_quoted(comments), ct.comment),
        "SENT_ORDER": number_column(ROW, parts.place + 1, 3, ~parts.sentenced),
        "SENT_LOC_CODE": text_column(ROW, pa.array([LOC_CODES[x] for x in locs] + [""]),
                                     parts.loc),
        "SENT_LOC_DESCR": text_column(ROW, pa.array([*locs, ""]), parts.loc),
        "SENT_LENGTH": number_column(ROW, parts.length, 0, ~parts.sentenced),
        "SENT_TIME_CODE": text_column(ROW, pa.array(["D", "M", "Y", ""]), parts.unit),
        "SENT_TIME_DESCR": text_column(ROW, pa.array([*UNITS.values(), ""]), parts.unit),
    }
