"""The steps of each cycle (arrest, court, custody, probation, registration, death),
their counts (one per charge on arrest and court steps) and the sentence parts of each
convicted count: the rows of the file, still as codes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cmr_xl.engine.counties import california_counties
from cmr_xl.synthetic.arrays import day_number, within
from cmr_xl.synthetic.doj_codes import (
    AGENCIES,
    CO,
    HAS_LOC,
    HP,
    LOWER_FELONY,
    MAIN_LOC,
    MC,
    PARTS_OF,
    PD,
    PR,
    PRISONS,
    SC,
    SENT_NAMES,
    SENTENCES,
    SO,
    T,
)
from cmr_xl.synthetic.draw import Draw
from cmr_xl.synthetic.history import (
    ARREST_ONLY,
    CONVICTED,
    DIED,
    DISMISSED,
    REGISTERED,
    Charges,
    Cycles,
)
from cmr_xl.synthetic.offenses import COMMENTS, FIRST_MENTION, MENTION_FORMS, MENTION_SECTIONS
from cmr_xl.synthetic.people import People


@dataclass
class Steps:
    """Per step of a cycle: arrest, court action, custody, probation, registration, death."""

    cycle: np.ndarray
    slot: np.ndarray  # 0 first event (arrest/registration/death), 1 court, 2 custody, 3 prob.
    place: np.ndarray
    type: np.ndarray  # index into STEP_TYPES
    day: np.ndarray
    ori: np.ndarray  # index into the agency table (agency_table)


def draw_steps(d: Draw, pp: People, cyc: Cycles, ch: Charges) -> Steps:
    rng = d.rng
    n_cyc = len(cyc.kind)
    main = ch.template[ch.start]
    convicted = cyc.kind == CONVICTED
    v = rng.random((n_cyc, 3))
    slots = np.zeros((n_cyc, 4), dtype=bool)
    slots[:, 0] = cyc.arrested
    slots[:, 1] = np.isin(cyc.kind, (CONVICTED, DISMISSED))
    slots[:, 2] = convicted & ((HAS_LOC["PRISON"][main] & (v[:, 0] < 0.8))
                               | (HAS_LOC["JAIL"][main] & (v[:, 1] < 0.25)))
    slots[:, 3] = convicted & HAS_LOC["PROBATION"][main] & (v[:, 2] < 0.3)
    cycle, slot = np.nonzero(slots)
    _, place = within(slots.sum(axis=1))
    n = len(cycle)
    kind = cyc.kind[cycle]
    step_type = np.where(slot == 0, np.select([kind == REGISTERED, kind == DIED], [4, 5], 0),
                         slot)
    after = np.where(slot == 2, rng.integers(1, 21, n), rng.integers(1, 46, n))
    day = np.select([slot == 0, slot == 1], [cyc.day[cycle], cyc.court_day[cycle]],
                    np.minimum(cyc.court_day[cycle] + after, pp.end[cyc.person[cycle]]))
    v = rng.random(n)
    arrest_agency = np.where(v < 0.55, PD, np.where(v < 0.9, SO, HP))
    court_agency = np.where((day < day_number("1998-01-01")) & (v < 0.5), MC, SC)
    agency = np.select(
        [step_type == 0, step_type == 1, step_type == 2, step_type == 3, step_type == 4],
        [arrest_agency, court_agency, SO, PR, np.where(v < 0.6, PD, SO)], CO)
    ori = cyc.county[cycle] * len(AGENCIES) + agency
    prison = (slot == 2) & HAS_LOC["PRISON"][main[cycle]]
    ori[prison] = len(california_counties()) * len(AGENCIES) + rng.integers(
        0, len(PRISONS), int(prison.sum()))
    return Steps(cycle=cycle, slot=slot, place=place, type=step_type, day=day, ori=ori)


@dataclass
class Counts:
    """Per count of a step: what one row (or several sentence-part rows) is about."""

    step: np.ndarray
    place: np.ndarray
    cycle: np.ndarray
    charge: np.ndarray  # index into Charges
    slot: np.ndarray
    convicted: np.ndarray
    arrest: np.ndarray  # a count of an arrest step
    disposition: np.ndarray  # index into DISPOSITIONS
    status: np.ndarray  # CONV_STAT: index into STATUS_DESCR (3: none)
    toc: np.ndarray  # index into TOC
    shown: np.ndarray  # the offense OFFENSE_DESCR shows (the charge)
    descr: np.ndarray  # index into the OFFENSE_DESCR table (offense x 3 forms)
    comment: np.ndarray  # index into the COMMENT_TEXT table
    disp_offense: np.ndarray  # DISP_OFFENSE_DESCR: 0 empty, else 1 + offense
    conv_offense: np.ndarray  # CONV_OFFENSE_DESCR: the same


def draw_counts(d: Draw, cyc: Cycles, ch: Charges, st: Steps) -> Counts:
    rng, off = d.rng, d.off
    n_charges = np.diff(np.append(ch.start, len(ch.cycle)))
    step, place = within(np.where(st.slot <= 1, n_charges[st.cycle], 1))
    n = len(step)
    cycle = st.cycle[step]
    charge = ch.start[cycle] + place
    slot = st.slot[step]
    court = slot == 1
    convicted = court & ch.convicted[charge]
    kind = cyc.kind[cycle]
    v, v2 = rng.random(n), rng.random(n)
    dismissed = np.where(kind == CONVICTED, np.where(v < 0.8, 5, 6),
                         np.where(v < 0.6, 5, np.where(v < 0.8, 6, 7)))
    suffix = MAIN_LOC[ch.template[charge]]
    convicted_disp = np.where((v < 0.25) & (suffix > 0), 1 + suffix, 1)
    no_court = np.where(v < 0.55, 8, np.where(v < 0.8, 9, 10))
    disposition = np.select([convicted, court, (slot == 0) & (kind == ARREST_ONLY)],
                            [convicted_disp, dismissed, no_court], 0)
    n_off = len(off.texts)
    shown = ch.shown[charge]
    style = ch.comment_style[charge]
    block = np.where(style <= 1, style, np.where(style == 2, 2, 5) + np.minimum(place, 2))
    comment = np.select(
        [ch.comment_only[charge] > 0, ch.mention[charge] & convicted, convicted & (v2 < 0.06)],
        [1 + shown + n_off * block,
         FIRST_MENTION * n_off + 1 + ch.mention_text[charge],
         FIRST_MENTION * n_off + 1 + len(MENTION_SECTIONS) * len(MENTION_FORMS)
         + rng.integers(0, len(COMMENTS), n)], 0)
    level, form = ch.level[charge], ch.level_form[charge]
    status = np.select([form == 0, form == LOWER_FELONY, np.isin(form, (2, 3, 4))],
                       [level, 7, form + 2], 3)
    toc = np.select([form == 1, form == 6, form == 7], [level, 3, 4], ch.charged[charge])
    written = convicted * ch.convicted_of[charge]
    return Counts(
        step=step, place=place, cycle=cycle, charge=charge, slot=slot, convicted=convicted,
        arrest=(slot == 0) & (kind <= ARREST_ONLY), disposition=disposition,
        status=np.where(convicted, status, 3), toc=np.where(convicted, toc, ch.charged[charge]),
        shown=shown, descr=shown + n_off * ch.comment_only[charge], comment=comment,
        disp_offense=np.where(written & 1, 1 + ch.offense[charge], 0),
        conv_offense=np.where(written & 2, 1 + ch.offense[charge], 0),
    )


@dataclass
class Parts:
    """Per row: a count, and the sentence part the row holds (if any)."""

    count: np.ndarray
    place: np.ndarray
    sentenced: np.ndarray
    length: np.ndarray
    loc: np.ndarray  # 0 probation, 1 jail, 2 prison, 3 none
    unit: np.ndarray  # 0 D, 1 M, 2 Y, 3 none


def draw_parts(d: Draw, ch: Charges, ct: Counts) -> Parts:
    template = ch.template[ct.charge]
    sentenced = ct.convicted & (template != T["none"])
    count, place = within(np.where(sentenced, PARTS_OF[template], 1))
    sentenced = sentenced[count]
    rows = [part for name in SENT_NAMES for part in SENTENCES[name]]
    first_part = np.cumsum(PARTS_OF) - PARTS_OF
    part = np.where(sentenced, first_part[template[count]] + place, 0)
    lo, hi = np.array([r[1] for r in rows])[part], np.array([r[2] for r in rows])[part]
    length = lo + (d.rng.random(len(count)) * (hi - lo + 1)).astype(np.int64)
    loc = np.array([("PROBATION", "JAIL", "PRISON").index(r[0]) for r in rows])[part]
    unit = np.array(["DMY".index(r[3]) for r in rows])[part]
    return Parts(count=count, place=place, sentenced=sentenced, length=length,
                 loc=np.where(sentenced, loc, 3), unit=np.where(sentenced, unit, 3))
