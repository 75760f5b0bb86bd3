"""Each person's history: cycles (arrest-to-disposition episodes) and their charges,
with the roles rare features need (the Prop 64 conviction that puts the person in the
file, priors, super strikes, PC 290, long terms still served) and the pleas."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cmr_xl.synthetic.arrays import categorical, day_number, give, one, pick, uniform_days, within
from cmr_xl.synthetic.doj_codes import LEVEL_FORM_P, LOWER_FELONY, SENT_NAMES, SENTENCE_P, T
from cmr_xl.synthetic.draw import EVERY_FEATURE_FROM, Draw
from cmr_xl.synthetic.offenses import (
    COMMENT_STYLE_P,
    ELSE,
    LOOKALIKE,
    MENTION_FORMS,
    NAMED,
    PLEAS,
    SERVING_OTHER,
    SERVING_PROP64,
    SEX_SUPER_STRIKES,
    STANDARD,
    SUPER_STRIKE_OFFENSES,
    Offenses,
)
from cmr_xl.synthetic.people import People

# Cycle roles (why a cycle exists) and kinds (what happened in it).
(_GENERIC, _ANCHOR, _PRIOR_SAME, _POST2016, _SUPER, _PC290, _SERVING, _REG,
 _DEATH) = range(9)
CONVICTED, DISMISSED, ARREST_ONLY, REGISTERED, DIED = range(5)


@dataclass
class Cycles:
    """Per cycle (arrest-to-disposition episode), sorted by person then date."""

    person: np.ndarray
    day: np.ndarray  # arrest (or citation) date
    role: np.ndarray  # why the cycle exists (_GENERIC, _ANCHOR, ...)
    offense: np.ndarray  # the main charge
    county: np.ndarray
    kind: np.ndarray  # what happened (CONVICTED, DISMISSED, ...)
    limit: np.ndarray  # latest court date the cycle's role allows
    place: np.ndarray  # 0-based order within the person
    court_day: np.ndarray
    arrested: np.ndarray  # False: cited straight to court (no arrest step)


def draw_cycles(d: Draw, pp: People) -> Cycles:
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
    kind = pick(rng, [0.55, 0.20, 0.25], len(p))
    v = rng.random(len(p))
    # Someone with only Prop 64 convictions: most other cases came to nothing.
    kind[pp.only_p64[p] & (kind == CONVICTED) & (v >= 0.3)] = DISMISSED
    prop64 = (v < 0.03) | (pp.only_p64[p] & (kind == CONVICTED))
    general = np.where(rng.random(len(p)) < 0.85, off.draw(rng, "other", len(p), "lookalike"),
                       off.draw(rng, "related", len(p)))
    # Prop 64 charges in any spelling; attempts and the like not for someone whose every
    # conviction is a Prop 64 one.
    p64 = np.where(pp.only_p64[p], off.draw(rng, "p64", len(p), "p64spelled"),
                   off.draw(rng, "p64", len(p), "p64named"))
    add(p, uniform_days(rng, pp.start[p], pp.end[p]), _GENERIC,
        np.where(prop64, p64, general),
        d.place(pp.second[p], 0.65, 0.25), kind, pp.end[p])

    # The Prop 64 conviction that puts the person in the county's file.
    serving = pp.serving_p64
    anchor_day = uniform_days(
        rng, np.where(serving, np.maximum(pp.start, day_number("2013-06-01")), pp.start),
        np.where(serving, np.minimum(pp.anchor_hi, day_number("2016-05-01")), pp.anchor_hi))
    anchor_offense = np.where(serving, off.index("p64", SERVING_PROP64)[
        rng.integers(0, len(SERVING_PROP64), n)], off.draw(rng, "p64", n, "p64spelled"))
    add(np.arange(n), anchor_day, _ANCHOR, anchor_offense,
        np.where(pp.anchor_away, pp.second, d.home), CONVICTED, pp.anchor_hi)

    p = np.repeat(np.flatnonzero(pp.prior_same & (anchor_day - pp.start > 2 * 365)), 2)
    add(p, uniform_days(rng, pp.start[p], anchor_day[p] - 60), _PRIOR_SAME,
        anchor_offense[p], d.place(pp.second[p], 0.6, 0.4), CONVICTED, anchor_day[p] - 1)

    p = np.flatnonzero(pp.post2016)
    add(p, uniform_days(rng, d.effective + 1, pp.end[p] - 30), _POST2016,
        off.draw(rng, "p64", len(p), "p64named"), d.place(pp.second[p], 0.9, 0.1), CONVICTED,
        pp.end[p])

    def before_or_after(p: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Every other person's conviction predates the Prop 64 one, so both orders
        occur (priors count only before; some counties count any)."""
        after_lo = anchor_day[p] + 240  # clear of the Prop 64 case's own court date
        before = (np.arange(len(p)) % 2 == 0) | (after_lo >= hi)
        return np.where(before, uniform_days(rng, pp.start[p], anchor_day[p]),
                        uniform_days(rng, after_lo, hi))

    p = np.flatnonzero(pp.super_strike)
    supers = np.where(rng.random(len(p)) < 0.75, off.draw(rng, "super", len(p)),
                      off.index("pc290", rng.integers(0, SEX_SUPER_STRIKES, len(p))))
    if n >= EVERY_FEATURE_FROM and len(p) and not (supers == off.start["super"]).any():
        supers[0] = off.start["super"]  # the classic: 187 PC-MURDER
    military = off.where(SUPER_STRIKE_OFFENSES[-1][0])  # MVC 1672(a), written MV: rare
    if n >= EVERY_FEATURE_FROM and len(p) > 1 and not (supers == military).any():
        murder = np.flatnonzero(supers == off.start["super"])[:1]  # one 187 stays
        supers[np.setdiff1d(np.arange(len(p)), murder)[-1]] = military
    add(p, before_or_after(p, pp.end[p]), _SUPER, supers,
        d.place(pp.second[p], 0.5, 0.5), CONVICTED, pp.end[p])

    p = np.flatnonzero(pp.pc290)
    pc290_day = np.full(n, -1)
    pc290_day[p] = before_or_after(p, pp.end[p] - 400)
    add(p, pc290_day[p], _PC290, off.draw(rng, "pc290", len(p)),
        d.place(pp.second[p], 0.6, 0.4), CONVICTED, pp.end[p])

    # Registrations follow the PC 290 conviction (or start early: convicted elsewhere).
    p = np.flatnonzero(pp.registers)
    p = np.repeat(p, 1 + np.minimum(rng.poisson(2.0, len(p)), 5))
    first = np.where(pc290_day[p] >= 0, pc290_day[p] + 120, pp.start[p] + 365)
    p, first = p[first < pp.end[p] - 1], first[first < pp.end[p] - 1]
    add(p, uniform_days(rng, first, pp.end[p]), _REG, np.full(len(p), off.start["reg"]),
        d.place(pp.second[p], 0.8, 0.2), REGISTERED, pp.end[p])

    p = np.flatnonzero(pp.serving_other)
    add(p, uniform_days(rng, np.maximum(pp.start[p], day_number("2015-01-01")), day_number("2019-09-30")),
        _SERVING, off.index("other", SERVING_OTHER)[rng.integers(0, len(SERVING_OTHER),
                                                                 len(p))],
        d.place(pp.second[p], 0.7, 0.3), CONVICTED, pp.end[p])

    p = np.flatnonzero(pp.deceased)
    add(p, pp.end[p], _DEATH, np.full(len(p), off.start["none"]), np.full(len(p), d.home),
        DIED, pp.end[p])

    names = ("person", "day", "role", "offense", "county", "kind", "limit")
    columns = [np.concatenate(parts).astype(np.int64) for parts in zip(*pieces, strict=True)]
    order = np.lexsort((columns[2] == _DEATH, columns[1], columns[0]))
    c = {name: values[order] for name, values in zip(names, columns, strict=True)}
    _, place = within(np.bincount(c["person"], minlength=n))
    court = np.isin(c["kind"], (CONVICTED, DISMISSED))
    arrested = ~(court & (rng.random(len(order)) < 0.06))
    delay = np.minimum(rng.exponential(75.0, len(order)).astype(np.int64), 700)
    delay[~court | ~arrested] = 0
    court_day = np.minimum(c["day"] + delay, np.maximum(c["limit"], c["day"]))
    return Cycles(**c, place=place, court_day=court_day, arrested=arrested)


@dataclass
class Charges:
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


def draw_charges(d: Draw, pp: People, cyc: Cycles) -> Charges:
    rng, off = d.rng, d.off
    several = np.isin(cyc.kind, (CONVICTED, DISMISSED, ARREST_ONLY))
    n_charges = np.where(several, 1 + np.minimum(rng.poisson(1.6, len(cyc.kind)), 7), 1)
    cycle, place = within(n_charges)
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
    convicted = (cyc.kind[cycle] == CONVICTED) & (primary | (rng.random(n) < 0.4))
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
    every = len(pp.dob) >= EVERY_FEATURE_FROM
    if every:  # rare texts shown in OFFENSE_DESCR
        _ensure_offenses(rng, off, offense, free & (comment_only == 0), primary,
                         role == _ANCHOR)
    charged_as = _draw_pleas(rng, off, offense, convicted,
                             free & (comment_only == 0) if every else None)

    v = rng.random(n)
    p_felony, p_misd = off.p_felony[offense], off.p_misd[offense]
    level = np.where(v < p_felony, 0, np.where(v < p_felony + p_misd, 1, 2))
    level[off.infraction_from_2011[offense]
          & (cyc.court_day[cycle] >= day_number("2011-01-01"))] = 2
    level[forced] = 0
    v = rng.random(n)
    charged = np.where((level == 1) & off.wobbler[offense] & (v < 0.35), 0,
                       np.where((level == 2) & (v < 0.5), 1, level))
    charged = np.where(convicted, charged, off.charge_level[offense])
    charged = np.where(charged_as >= 0, off.charge_level[np.maximum(charged_as, 0)], charged)
    charged[off.charge_level[offense] == 3] = 3
    level_form = pick(rng, LEVEL_FORM_P, n)
    level_form[(level_form == LOWER_FELONY) & (level != 0)] = 0
    level_form[~convicted] = 0

    cumulative = np.zeros((4, len(SENT_NAMES)))
    for group, dist in SENTENCE_P.items():
        for name, prob in dist.items():
            cumulative[group, T[name]] = prob
    template = categorical(rng, np.cumsum(cumulative, axis=1), np.where(primary, level, 3))
    template[forced & (role == _SUPER)] = T["prison_life"]
    template[forced & (role == _SERVING)] = T["prison_serving"]
    template[forced & (role == _ANCHOR)] = T["prison_long"]
    template[~convicted] = T["none"]

    shown = np.where(charged_as >= 0, charged_as, offense)
    comment_style = pick(rng, COMMENT_STYLE_P, n)
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
        standard = p64 & (off.kind[offense] == STANDARD) & (comment_only == 0)
        for form in range(2, len(LEVEL_FORM_P)):  # every way of writing a level
            give(rng, level_form, p64 & ((level == 0) | (form != LOWER_FELONY)), form)
        for style in (2, 3):  # the charge not first in the comment, and without code
            if not (free & (comment_only > 0) & (comment_style == style)
                    & off.is_p64[shown]).any():
                i = one(rng, standard & (charged_as < 0) & ~mention)
                if i is not None:
                    comment_style[i], comment_only[i], convicted_of[i] = style, 1 + (style == 3), 0
        give(rng, mention, free & ~off.names_p64[offense] & (comment_only == 0)
             & (charged_as < 0), True)  # another law, its comment names a Prop 64 section
    comment_style[(comment_style == 3) & ~off.is_p64[shown]] = 2  # a code only HS has
    return Charges(
        cycle=cycle, place=place, start=np.cumsum(n_charges) - n_charges, offense=offense,
        convicted=convicted, level=level, charged=charged, level_form=level_form,
        template=template, comment_only=comment_only, comment_style=comment_style,
        mention=mention,
        mention_text=mention_group * len(MENTION_FORMS)
        + rng.integers(0, len(MENTION_FORMS), n),
        charged_as=charged_as, convicted_of=convicted_of,
    )


def _ensure_offenses(rng: np.random.Generator, off: Offenses, offense: np.ndarray,
                     free: np.ndarray, primary: np.ndarray, anchor: np.ndarray) -> None:
    """Every rare text (spellings, attempts and the like, look-alikes) on at least one
    conviction in the county: one that none got replaces a standard Prop 64 conviction of
    the same section (attempts and the like: not the one that puts the person in the file;
    look-alikes: a further conviction of another law)."""
    present = np.bincount(offense[free], minlength=len(off.texts)) > 0
    standard = free & (off.kind[offense] == STANDARD) & off.is_p64[offense]
    other = free & ~primary & (off.category[offense] == 4) & (off.kind[offense] == ELSE)
    for k in off.rare[~present[off.rare]]:
        if off.kind[k] == LOOKALIKE:
            candidates = other
        else:
            like = standard & ~anchor if off.kind[k] == NAMED else standard
            candidates = like & (off.p64_group[offense] == off.p64_group[k])
            if not candidates.any():
                candidates = like
        i = one(rng, candidates)
        if i is not None:
            offense[i] = k
            standard[i] = other[i] = False


def _draw_pleas(rng: np.random.Generator, off: Offenses, offense: np.ndarray,
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
        i = one(rng, candidates)
        if i is not None:
            offense[i], charged_as[i] = k, charge
    return charged_as
