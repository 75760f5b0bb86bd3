"""Sizes the reader works in. Modules read them as `limits.NAME` when they run, so a test
can shrink one (`monkeypatch.setattr(limits, "PIECE_BYTES", 1000)`) to reach a rare path
with small files."""

from __future__ import annotations

SNIFF_BYTES = 256 << 10  # bytes read first to learn the file's shape
PARSE_CHUNK = 4 << 20  # pyarrow's unit of parallel work; fewer chunks cost less downstream
PIECE_BYTES = PARSE_CHUNK  # the careful path's unit of parallel work
MAX_CHUNK = (1 << 31) - 1  # pyarrow's largest parse chunk (a record must fit in one)
SNIFF_RECORDS = 200  # records of the sample whose fields are counted
SAMPLE_ROWS = 20_000  # rows of the first block checked for Excel and separator markers
EXAMPLES = 5  # line numbers quoted in a note
TEXT_LIMIT = 300  # characters of a rejected line kept in rejects
PUSHBACK_LINES = 50  # longest record with an open quote carried into the next block
LINE_LIMIT = 128 << 20  # no line end within this many bytes: not a DOJ file (binary tail)
#: A value longer than this is garbage (a damaged file): its line is rejected. DOJ values
#: are short (a COMMENT_TEXT is a few hundred characters).
VALUE_LIMIT = 1 << 20
SMALL_TABLE = 2_000  # rows grouped in Python rather than by a hash group-by
CARRY_ROWS = 10_000  # rows of the last person kept to find a line repeated in the next block
