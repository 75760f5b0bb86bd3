"""bench/results.md holds one section per benchmark script, each between markers, so
that a script rewrites its own figures and leaves the others' (and the notes) alone."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.md"


def write_section(name: str, text: str) -> None:
    """Replace (or append) the section `name` of bench/results.md with `text`."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# cmr-xl benchmarks\n"
    block = f"{start}\n{text.rstrip()}\n{end}"
    if start in old and end in old:
        new = old[:old.index(start)] + block + old[old.index(end) + len(end):]
    else:
        new = old.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(new, encoding="utf-8")
