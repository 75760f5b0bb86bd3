"""Reading a small YAML or JSON document a user hands us (a criteria file, BEAR's
eligibility_options.json) with bounded work and a message for every problem.

PyYAML's safe loader still expands anchors and aliases: a 424-byte "billion laughs"
file becomes gigabytes once anything walks it, and a message quoting it echoes the
expansion. It also keeps the last of two equal keys without a word, raises a bare
ValueError for an impossible date (2020-02-30) or an integer of more than 4,300 digits,
and recurses once per nesting level. So documents are read here:

- a size cap, checked before the file is read whole, and only regular files (a FIFO
  without a writer would block);
- YAML without anchors or aliases (refused at the first one, with its line), without
  duplicate keys (named with both lines), with impossible dates, numbers too long for a
  float and infinities kept as the text written, for the criteria parser to name;
- JSON without duplicate keys, with huge numbers kept as text;
- files that are not text at all (a workbook, a zip, an old Excel file) named for what
  they are.

Every problem is a CriteriaError naming the file and, where the parser knows it, the line.
"""

from __future__ import annotations

import json
import math
import re
import stat
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import yaml

from cmr_xl.common.errors import CriteriaError
from cmr_xl.common.file_kind import plain_input_stat

#: Criteria files are a few kilobytes; BEAR's options file is smaller still.
MAX_DOCUMENT_BYTES = 1 << 20
#: Digits beyond which a number is kept as the text written (no criterion needs more;
#: Python refuses to convert more than 4,300 digits at all).
LONG_NUMBER_DIGITS = 30
TEMPLATE_FIX = "Fix the syntax or start from `cmr-xl criteria --template`"

#: Line numbers of keys, by path: ("felony_11359",) or ("scenarios", "Dismiss all").
KeyLines = dict[tuple[str, ...], int]


def read_document_bytes(path: Path, *, limit: int = MAX_DOCUMENT_BYTES,
                        what: str = "criteria file") -> bytes:
    """The file's bytes, refusing what is not a regular file or is over `limit`. A pipe or
    device is refused by the same check as every input (`plain_input_stat`), so the CLI's
    earlier `check_input` and this one cannot disagree."""
    try:
        info = plain_input_stat(path, error=CriteriaError)
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise CriteriaError(str(path), f"is a folder, not a {what}", "Check the path")
        if info is not None and info.st_size > limit:
            raise CriteriaError(str(path), f"is {info.st_size:,} bytes: too big for a {what} "
                                f"({limit:,} bytes at most)", f"Check that this is the {what}; "
                                "`cmr-xl criteria --template` shows one")
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as error:
        raise CriteriaError(str(path), f"cannot read the {what} ({error.strerror})",
                            "Check the path") from None
    if len(raw) > limit:  # grew while we looked
        raise CriteriaError(str(path), f"is over {limit:,} bytes: too big for a {what}",
                            f"Check that this is the {what}")
    return raw


def not_text(raw: bytes) -> str | None:
    """What a file that is not a text document really is, from its first bytes."""
    if raw.startswith(b"PK\x03\x04"):
        head = raw[:200]
        if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in head:
            return ("is an OpenDocument spreadsheet (.ods, LibreOffice Calc), not a criteria "
                    "file. Save it from LibreOffice as an Excel workbook (.xlsx) and give that")
        if b"[Content_Types].xml" in raw[:4096] or b"xl/" in raw[:4096] or (
                b"docProps/" in raw[:4096]):
            return ("is an Excel workbook (.xlsx, a zip package) under another name. Rename it "
                    "to end in .xlsx (or save it again from Excel as .xlsx) and give that")
        return ("is a zip archive, not a criteria file. Unzip it and give the criteria file "
                "(.yaml, .json or .xlsx) inside")
    if raw.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ("is an Excel 97-2003 workbook (.xls) or another old Office file, which cmr-xl "
                "does not read. Open it in Excel and save it as an Excel workbook (.xlsx)")
    if raw.startswith(b"%PDF"):
        return "is a PDF document, not a criteria file. Give the .yaml, .json or .xlsx file"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ("is UTF-16 text (Notepad's 'Unicode'). Save the file as UTF-8 (in Notepad: Save "
                "As, Encoding UTF-8)")
    return None


# --- YAML ----------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, line: int | None, what: str, fix: str) -> None:
        super().__init__(what)
        self.line, self.what, self.fix = line, what, fix


class StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader without anchors, aliases or duplicate keys; impossible dates
    and numbers no criterion can hold are kept as the text written."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(event.start_mark.line + 1,
                           "uses a YAML anchor or alias (& or *), which cmr-xl does not read "
                           "(one can make a small file expand without end)",
                           "Write each value out in full")
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<":
                    raise _Refused(key_node.start_mark.line + 1, "uses a YAML merge key (<<)",
                                   "Write each key out in full")
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, Hashable):
                    continue  # PyYAML says "found unhashable key" with the line
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise _Refused(line, f"the key {shown(key)} is written twice (lines "
                                   f"{seen[key]} and {line}); a second value would silently "
                                   "replace the first", "Keep one of them")
                seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: Any) -> Any:  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):  # 2020-02-30, 2020-13-01: the parser names it
            return self.construct_scalar(node)

    def construct_yaml_int(self, node: Any) -> Any:  # type: ignore[override]
        text = self.construct_scalar(node)
        if len(str(text)) > LONG_NUMBER_DIGITS:
            return text
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: Any) -> Any:  # type: ignore[override]
        value = super().construct_yaml_float(node)
        return value if math.isfinite(value) else self.construct_scalar(node)


StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", StrictLoader.construct_yaml_timestamp)
StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", StrictLoader.construct_yaml_float)


def load_yaml(text: str, where: str) -> tuple[Any, KeyLines]:
    """The document and the line of each key of its top level and of `scenarios`."""
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except _Refused as refused:
        raise CriteriaError(at_line(where, refused.line), refused.what, refused.fix) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None)
        what = "is not valid JSON/YAML" + (f" ({problem})" if problem else "")
        raise CriteriaError(at_line(where, line), what, TEMPLATE_FIX) from None
    except RecursionError:
        raise CriteriaError(where, "nests lists or mappings too deeply to be a criteria file",
                            TEMPLATE_FIX) from None
    finally:
        loader.dispose()
    return data, _key_lines(node)


def _key_lines(node: Any) -> KeyLines:
    lines: KeyLines = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        lines[(key_node.value,)] = key_node.start_mark.line + 1
        if key_node.tag == "tag:yaml.org,2002:bool":  # yes: as a key is True
            value = StrictLoader.bool_values.get(key_node.value.lower())
            lines[(str(value),)] = key_node.start_mark.line + 1
        if key_node.value == "scenarios" and isinstance(value_node, yaml.MappingNode):
            for name_node, changes in value_node.value:
                if not isinstance(name_node, yaml.ScalarNode):
                    continue
                lines[("scenarios", name_node.value)] = name_node.start_mark.line + 1
                if isinstance(changes, yaml.MappingNode):
                    for key, _ in changes.value:
                        if isinstance(key, yaml.ScalarNode):
                            lines[("scenarios", name_node.value, key.value)] = (
                                key.start_mark.line + 1)
    return lines


# --- JSON ----------------------------------------------------------------------------


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Duplicate(key)
        result[key] = value
    return result


def _json_number(text: str) -> Any:
    if len(text) > LONG_NUMBER_DIGITS:
        return text
    value = float(text) if any(c in text for c in ".eE") else int(text)
    return value if math.isfinite(value) else text


def load_json(text: str, where: str) -> Any:
    """The document, refusing duplicate keys; numbers too long or infinite as text."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_int=_json_number,
                          parse_float=_json_number)
    except _Duplicate as duplicate:
        quoted = re.escape(json.dumps(duplicate.key))
        found = [m.start() for m in re.finditer(quoted + r"\s*:", text)]
        line = text.count("\n", 0, found[-1]) + 1 if len(found) == 2 else None
        raise CriteriaError(at_line(where, line), f"the key {duplicate.key!r} is written twice in "
                            "one object; a second value would silently replace the first",
                            "Keep one of them") from None
    except json.JSONDecodeError as error:
        raise CriteriaError(at_line(where, error.lineno), f"is not valid JSON ({error.msg})",
                            TEMPLATE_FIX) from None
    except (ValueError, RecursionError):
        raise CriteriaError(where, "is not valid JSON (too deeply nested or a number that "
                            "cannot be read)", TEMPLATE_FIX) from None


# --- messages ------------------------------------------------------------------------


def at_line(where: str, line: int | None) -> str:
    """`where` with the line, when the parser knows it."""
    return f"{where}, line {line}" if line else where


def shown(value: Any, limit: int = 40) -> str:
    """`repr(value)` for a message, never longer than about `limit` characters: a
    5,000-digit number or a pasted paragraph is cut, with its length."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"a number of about {int(value.bit_length() * 0.30103):,} digits"
    try:
        text = repr(value)
    except ValueError:
        return "a value too long to show"
    if len(text) <= limit:
        return text
    if isinstance(value, str) and value.strip().isdigit():
        return f"a number of {len(value.strip()):,} digits"
    size = len(value) if isinstance(value, str) else len(text)
    return f"{text[:limit - 1]}… ({size:,} characters)"


def key_lines_for(lines: KeyLines, where: str, *path: str) -> Mapping[str, str]:
    """{key: "FILE, line N: key"} for the keys under `path` (top level when empty), as
    criteria_from_mapping takes them for its messages."""
    depth = len(path)
    prefix = ": ".join(path)
    return {
        key[depth]: f"{where}, line {line}: " + (f"{prefix}: " if prefix else "") + key[depth]
        for key, line in lines.items() if len(key) == depth + 1 and key[:depth] == path}
