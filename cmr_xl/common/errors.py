"""Errors a user can act on.

Every failure caused by input (a DOJ file, a criteria file, a workbook) is an
`InputError` naming where the problem is and what to do; adapters turn it into a
message and exit status 2, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class InputError(Exception):
    """Bad input: `where` names the file and line, or sheet and cell; `what` says the
    problem; `fix` tells the user what to do."""

    where: str
    what: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.where}: {self.what}"
        if self.fix:
            text += f". {self.fix}"
        return text


class CriteriaError(InputError):
    """A criterion is unknown, missing or out of range (names the key or cell)."""


class DojFileError(InputError):
    """The DOJ research file cannot be read as one (names the file and line)."""
