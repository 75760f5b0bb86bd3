"""The random source and the fixed facts (county, Prop 64 date, as-of date) that every
drawing step shares, so that one seed and county give one stream of draws."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from cmr_xl.engine.counties import california_counties
from cmr_xl.rules.law import load_law, prop64_effective_date, statewide_as_of
from cmr_xl.synthetic.arrays import day_number, pick
from cmr_xl.synthetic.offenses import Offenses, load_offenses

EVERY_FEATURE_FROM = 100  # people: from this size on, a file shows every feature


@cache
def _county_populations() -> np.ndarray:
    return np.array([e["population"] for e in load_law("counties")["counties"]], dtype=float)


@dataclass
class Draw:
    """The random source and the fixed facts every drawing step needs."""

    rng: np.random.Generator
    off: Offenses
    home: int  # county number - 1 of the file's county
    elsewhere: np.ndarray  # weights of the other counties
    effective: int  # Prop 64 in force (days)
    as_of: int

    @classmethod
    def start(cls, county: str, seed: int) -> Draw:
        """The draw of the file of `county` and `seed`: the stream is seeded with the
        county as well, so two counties with one seed are not the same people."""
        counties = california_counties()
        home = counties.index(county)
        elsewhere = _county_populations().copy()
        elsewhere[home] = 0.0
        return cls(rng=np.random.Generator(np.random.PCG64([seed, home + 1])), off=load_offenses(),
                   home=home, elsewhere=elsewhere, effective=day_number(prop64_effective_date()),
                   as_of=day_number(statewide_as_of()))

    def place(self, second: np.ndarray, p_home: float, p_second: float) -> np.ndarray:
        """A county per event: home, the person's second county, or anywhere else."""
        v = self.rng.random(len(second))
        anywhere = pick(self.rng, self.elsewhere, len(second))
        return np.where(v < p_home, self.home, np.where(v < p_home + p_second, second,
                                                        anywhere))
