"""How the cycle, step, count and sentence columns are written from the draws (the
person columns are in people.py): case and booking numbers, agencies, offense texts,
comments, levels and sentence parts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cmr_xl.synthetic.arrays import _ymd
from cmr_xl.synthetic.doj_codes import (
    _LOC_CODES,
    _STATUS_CODE,
    _STATUS_DESCR,
    _TOC,
    _UNITS,
    DISPOSITIONS,
    STEP_TYPES,
    _agency_table,
)
from cmr_xl.synthetic.draw import _Draw
from cmr_xl.synthetic.history import _Charges, _Cycles
from cmr_xl.synthetic.layout import (
    _COUNT,
    _CYCLE,
    _ROW,
    _STEP,
    ColumnSpec,
    _Batch,
    _csv,
    _number,
    _numbers,
    _text,
)
from cmr_xl.synthetic.offenses import _MENTION_FORMS, _MENTION_SECTIONS, COMMENTS, _comment_charges
from cmr_xl.synthetic.people import _People
from cmr_xl.synthetic.steps import _Counts, _Parts, _Steps


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
