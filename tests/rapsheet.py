"""Hand-built RAP sheets for legal test cases: a person, their convictions, steps.

Tests state a case in words ("a 11359 felony with a prior 187 PC conviction ...") and
build exactly that record here; the builder writes DOJ rows (95 columns) as CSV text or
as the reader's table.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import pyarrow as pa

from cmr_xl.doj.doj_format import DOJ_COLUMNS, SOURCE_FILE, SOURCE_LINE

COUNTY = "SACRAMENTO"
OFFENSES = {
    "11357": "11357 HS-POSSESS MARIJUANA",
    "11357(A)": "11357(A) HS-POSSESS CONCENTRATED CANNABIS",
    "11357(B)": "11357(B) HS-POSSESS UNDER 1 OZ MARIJ",
    "11358": "11358 HS-CULTIVATE MARIJUANA",
    "11359": "11359 HS-POSSESS MARIJ FOR SALE",
    "11360(A)": "11360(A) HS-GIVE/ETC MARIJ OVER 1 OZ/28.5 GRM",
    "187": "187 PC-MURDER",
    "664/187": "664/187 PC-ATTEMPTED MURDER",
    "288(A)": "288(A) PC-LEWD OR LASCIV ACTS W/CHILD UNDER 14",
    "459": "459 PC-BURGLARY",
    "647(F)": "647(F) PC-DISORDERLY CONDUCT:INTOX",
    "11364": "11364 HS-POSSESS NARCOTIC PARAPHERNALIA",
    "23152(A)": "23152(A) VC-DUI ALCOHOL/DRUGS",
}


@dataclass
class Person:
    sheet: RapSheet
    subject_id: str
    cii: str
    name: str
    dob: str
    rows: list[dict[str, str]] = field(default_factory=list)
    cycles: int = 0

    def _base(self) -> dict[str, str]:
        return {
            "SUBJECT_ID": self.subject_id, "CII_NUMBER": self.cii, "PRI_NAME": self.name,
            "PRI_DOB": self.dob, "GENDER": "M", "PRI_SSN": "999-00-1234",
            "FBI_NUMBER": "FBI123", "PRI_CDL": "D1234567", "RACE_DESCR": "OTHER",
        }

    def conviction(
        self, offense: str, date: str, *, county: str = COUNTY, level: str = "FELONY",
        sentence: tuple[tuple[str, str], ...] = (("1", "Y"),), case: str = "",
        comment: str = "", related: tuple[str, ...] = (), toc: str = "",
        disp_offense: str = "", conv_offense: str = "",
    ) -> Person:
        """A cycle with a court action convicting on `offense` (a key of OFFENSES or the
        full OFFENSE_DESCR text), plus any related charges convicted in the same case."""
        self.cycles += 1
        cycle = f"{self.cycles:03d}"
        for count, charge in enumerate((offense, *related), start=1):
            parts = sentence if count == 1 else (("30", "D"),)
            for part, (length, unit) in enumerate(parts, start=1):
                self.rows.append({
                    **self._base(), "CYC_ORDER": cycle, "CYC_DATE": date,
                    "STP_ORDER": "002", "STP_EVENT_DATE": date, "STP_TYPE_DESCR": "COURT ACTION",
                    "STP_ORI_CODE": f"CASC{county.replace(' ', '')}",
                    "STP_ORI_DESCR": f"CASC {county}", "STP_ORI_CNTY_NAME": county,
                    "CNT_ORDER": f"{cycle}002{count:03d}000",
                    "OFN": case or f"C{self.subject_id}{cycle}",
                    "OFFENSE_DESCR": OFFENSES.get(charge, charge),
                    "OFFENSE_TOC": toc, "DISP_DESCR": "CONVICTED",
                    "DISP_OFFENSE_DESCR": disp_offense if count == 1 else "",
                    "CONV_OFFENSE_DESCR": conv_offense if count == 1 else "",
                    "CONV_STAT_DESCR": level if count == 1 else "MISDEMEANOR",
                    "SENT_ORDER": f"{part:03d}", "SENT_LENGTH": length, "SENT_TIME_CODE": unit,
                    "COMMENT_TEXT": comment if count == 1 else "",
                })
        return self

    def arrest(self, offense: str, date: str, *, disposition: str = "DISMISSED") -> Person:
        self.cycles += 1
        self.rows.append({
            **self._base(), "CYC_ORDER": f"{self.cycles:03d}", "STP_ORDER": "001",
            "STP_EVENT_DATE": date, "STP_TYPE_DESCR": "ARREST/DETAINED/CITED",
            "STP_ORI_CNTY_NAME": COUNTY, "OFFENSE_DESCR": OFFENSES.get(offense, offense),
            "DISP_DESCR": disposition, "CNT_ORDER": f"{self.cycles:03d}001001000",
        })
        return self

    def registration(self, date: str) -> Person:
        self.cycles += 1
        self.rows.append({
            **self._base(), "CYC_ORDER": f"{self.cycles:03d}", "STP_ORDER": "001",
            "STP_EVENT_DATE": date, "STP_TYPE_DESCR": "REGISTRATION",
            "OFFENSE_DESCR": "290 PC-REGISTRATION OF SEX OFFENDER",
        })
        return self

    def deceased(self, date: str = "20190101") -> Person:
        self.cycles += 1
        self.rows.append({
            **self._base(), "CYC_ORDER": f"{self.cycles:03d}", "STP_ORDER": "001",
            "STP_EVENT_DATE": date, "STP_TYPE_DESCR": "DECEASED",
        })
        return self


@dataclass
class RapSheet:
    people: list[Person] = field(default_factory=list)

    def person(self, *, dob: str = "19700101", name: str = "", cii: str = "") -> Person:
        number = len(self.people) + 1
        person = Person(self, f"S{number:06d}", cii or f"{number:09d}",
                        name or f"DOE{number},JANE Q", dob)
        self.people.append(person)
        return person

    def rows(self) -> list[dict[str, str]]:
        return [row for person in self.people for row in person.rows]

    def csv_text(self, header: bool = True) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if header:
            writer.writerow(DOJ_COLUMNS)
        for row in self.rows():
            writer.writerow([row.get(c, "") for c in DOJ_COLUMNS])
        return out.getvalue()

    def table(self, source: str = "test.csv") -> pa.Table:
        """Rows as the reader yields them (empty fields null), without a reader."""
        rows = self.rows()
        data = {c: [row.get(c) or None for row in rows] for c in DOJ_COLUMNS}
        data[SOURCE_FILE] = [source] * len(rows)
        data[SOURCE_LINE] = list(range(2, len(rows) + 2))
        schema = pa.schema([(c, pa.string()) for c in DOJ_COLUMNS]
                           + [(SOURCE_FILE, pa.string()), (SOURCE_LINE, pa.int64())])
        return pa.table(data, schema=schema)
