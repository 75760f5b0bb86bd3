#!/usr/bin/env python3
"""Row-for-row comparison of determinations between an earlier commit and this tree.

    .venv/bin/python scripts/compare_results.py REV [--people 3000]

Checks out REV in a temporary git worktree, generates three county files with REV's own
generator (so they hold only the spellings REV reads), runs REV's engine and this tree's
engine on each under three criteria sets, and prints, per county and criteria set: the
convictions only one side shows (with the new side's `offense_kind`, e.g. comment charges
that now go to review), and how many common rows differ in each column, split into people
touched by those new rows and everyone else. A refactoring must print no difference; a
change of the law's reading must explain each one. Synthetic data only.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTIES = (("SACRAMENTO", 1), ("LOS ANGELES", 7), ("ALAMEDA", 3))
COLUMNS = ("code_section", "section", "level", "determination", "reason", "relief",
           "still_serving", "person_relief", "no_felony_after", "no_recent_conviction_after",
           "no_conviction_after")
KEY = ["person_id", "cycle", "count_order"]

DUMP = r'''
import pickle, sys
import pandas as pd
try:
    from cmr_xl.rules.criteria import Criteria
except ImportError:  # a revision from before the rules left the engine package
    from cmr_xl.engine.criteria import Criteria
from cmr_xl.engine.pipeline import run
files, out = sys.argv[1].split(","), sys.argv[2]
criteria = {
    "default": Criteria(),
    "strict": Criteria(felony_11357="reduce", felony_11359="hand_review",
                       disqualify_super_strike="not_eligible", disqualify_pc290="hand_review",
                       disqualify_two_priors="not_eligible", relief_age_threshold=50),
    "generous": Criteria(felony_11359="dismiss", felony_11360="dismiss", relief_under_21=True,
                         relief_years_crime_free=10, relief_only_prop64=True,
                         related_charges=True),
}
tables = {}
for path in files:
    county = path.rsplit("/", 1)[1].split(".")[0].replace("_", " ")
    for name, chosen in criteria.items():
        result = run([path], county, chosen)
        tables[(county, name)] = pd.concat([result.facts, result.determinations], axis=1)
with open(out, "wb") as handle:
    pickle.dump(tables, handle)
'''

GENERATE = r'''
import sys
try:
    from cmr_xl.synthetic import generate_doj_file
except ImportError:  # a revision from before the generator left the engine
    from cmr_xl.engine.synthetic import generate_doj_file
generate_doj_file(sys.argv[1], county=sys.argv[2], people=int(sys.argv[3]), seed=int(sys.argv[4]))
'''


def _python(code: str, source: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(source)}
    subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(source)!r})\n"
                    + code, *args], check=True, env=env, cwd=source)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rev")
    parser.add_argument("--people", type=int, default=3000)
    options = parser.parse_args()
    import pandas as pd

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        old = work / "old"
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(old), options.rev],
                       check=True, cwd=ROOT)
        try:
            files = []
            for county, seed in COUNTIES:
                path = work / f"{county.replace(' ', '_')}.csv"
                _python(GENERATE, old, str(path), county, str(options.people), str(seed))
                files.append(str(path))
            _python(DUMP, old, ",".join(files), str(work / "old.pkl"))
            _python(DUMP, ROOT, ",".join(files), str(work / "new.pkl"))
            before = pickle.loads((work / "old.pkl").read_bytes())
            after = pickle.loads((work / "new.pkl").read_bytes())
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT)
    for key, old_table in before.items():
        o, n = old_table.set_index(KEY), after[key].set_index(KEY)
        only_new, only_old = n.index.difference(o.index), o.index.difference(n.index)
        touched = set(only_new.get_level_values(0)) | set(only_old.get_level_values(0))
        common = o.index.intersection(n.index)
        kinds = (n.loc[only_new, "offense_kind"].fillna("plain").value_counts().to_dict()
                 if "offense_kind" in n else {})
        print(f"{key[0]} / {key[1]}: {len(o):,} before, {len(n):,} now; only now "
              f"{len(only_new):,} {kinds}; only before {len(only_old):,}")
        for column in COLUMNS:
            if column not in o or column not in n:
                continue
            a = o.loc[common, column].astype(object).where(o.loc[common, column].notna(), None)
            b = n.loc[common, column].astype(object).where(n.loc[common, column].notna(), None)
            differs = a.astype(str) != b.astype(str)
            if differs.any():
                people = set(differs[differs].index.get_level_values(0))
                print(f"    {column}: {int(differs.sum()):,} rows differ "
                      f"({len(people - touched):,} people not touched by new rows)")
    del pd


if __name__ == "__main__":
    main()
