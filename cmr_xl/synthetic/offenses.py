"""Offense texts as DOJ writes them, and what the generator knows of each.

Why a module: the tables are the fixtures of the reader's hardest part (every spelling of
HS 11357-11360, attempts, conspiracies, look-alikes, pleas, charges written only in
COMMENT_TEXT); they are DOJ's own spellings, not law, and live apart from the drawing.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np

from cmr_xl.synthetic.arrays import pick

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
SERVING_PROP64 = (5, 8, 10, 11, 14)
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
SEX_SUPER_STRIKES = 4  # the first entries of PC290_OFFENSES

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
SERVING_OTHER = (5, 9, 10, 21, 23, 24)

REGISTRATION_OFFENSE = "290 PC-REGISTRATION OF SEX OFFENDER"


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
COMMENT_STYLE_P = (0.35, 0.25, 0.25, 0.15)


# What else COMMENT_TEXT says: court remarks, and (the mention forms) a Prop 64 section
# named in the comment of a conviction of another offense.
COMMENTS = (
    "SENTENCE SUSPENDED", "CONCURRENT", "CREDIT FOR TIME SERVED", "PLEA NOLO CONTENDERE",
    "FINE PAID", "PROBATION MODIFIED", "DEFT FAILED TO APPEAR",
)
MENTION_SECTIONS = ("11357 HS", "11358 HS", "11359 HS", "11360(A) HS")
MENTION_FORMS = ("ORIG CHG {} AMENDED", "PLEA TO LESSER; CHARGED {}", "ALSO CHARGED {}")


# How a text relates to Prop 64, in the generator's own terms (Offenses.kind).
STANDARD, _SPELLED, NAMED, LOOKALIKE, ELSE = range(5)
_WRITTEN = re.compile(r"^(.*(?:HS|HSC|H&S|PC|VC|BP|MV)|HS \S+?)-(.*)$")
_HS_CODE = re.compile(r"\s*(?:HSC|H&S|HS)(?![A-Z])\s*")


class Offenses:
    """All offense texts in one table, with what the generator needs to know of each."""

    #: Groups in table order: (name, entries, category, kind). Drawing "p64" draws the
    #: standard texts and their spellings; "p64" through "p64named" adds the others.
    GROUPS = (("p64", PROP64_OFFENSES, 0, STANDARD),
              ("p64spelled", PROP64_SPELLINGS, 0, _SPELLED),
              ("p64named", PROP64_NAMED, 0, NAMED),
              ("super", SUPER_STRIKE_OFFENSES, 1, ELSE),
              ("pc290", PC290_OFFENSES, 2, ELSE),
              ("related", RELATED_OFFENSES, 3, ELSE),
              ("other", OTHER_OFFENSES, 4, ELSE),
              ("lookalike", LOOKALIKE_OFFENSES, 4, LOOKALIKE),
              ("reg", ((REGISTRATION_OFFENSE, 0.0, 0.0, 0.0),), 5, ELSE),
              ("none", (("", 0.0, 0.0, 0.0),), 6, ELSE))

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
        self.is_p64 = self.names_p64 & (self.kind != NAMED)  # and is simply that offense
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
        self.rare = np.flatnonzero(np.isin(self.kind, (_SPELLED, NAMED, LOOKALIKE)))

    def index(self, group: str, local: np.ndarray | tuple[int, ...]) -> np.ndarray:
        return self.start[group] + np.asarray(local, dtype=np.int64)

    def where(self, text: str) -> int:
        return self.texts.index(text)

    def draw(self, rng: np.random.Generator, group: str, size: int,
             through: str | None = None) -> np.ndarray:
        """`size` offenses of a group (or of the groups from `group` through `through`),
        by their weights."""
        lo, hi = self.start[group], self.stop[through or group]
        return lo + pick(rng, self.weight[lo:hi], size)


@cache
def load_offenses() -> Offenses:
    return Offenses()


FIRST_MENTION = 8  # comment charges: 8 blocks of one text per offense (comment_charges)


def comment_charges(off: Offenses) -> list[str]:
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
