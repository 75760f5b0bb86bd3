"""Synthetic CA DOJ research files for demos, tests and benchmarks; never real data.
Outside the engine: only the CLI (`generate`, `demo`), tests and bench import it (an
import-linter contract keeps the engine and the adapters from doing so).

The entry is `generator` (its docstring maps the other modules). What is exported here is
the interface for the rest of the project. Inside the package, a module's names without
a leading underscore are the ones the other modules of the package import; a name with a
leading underscore is used by its own module only."""

from cmr_xl.synthetic.generator import (
    MAX_PEOPLE,
    GeneratedFile,
    generate_doj_file,
    generate_doj_text,
    prop64_convictions_by_county,
)

__all__ = ["MAX_PEOPLE", "GeneratedFile", "generate_doj_file", "generate_doj_text",
           "prop64_convictions_by_county"]
