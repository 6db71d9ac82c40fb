"""Reading YAML sources with their positions: files, front matter, node marks.

Values are not constructed here: the schema module walks the composed nodes,
so every value keeps the line and column it came from.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from .errors import Diagnostics, Loc
from .files import MAX_TEXT_BYTES, InputError, read_input

FRONT_MATTER_FENCE = "---"

CORE_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null"))
"""Explicit tags an editor may write (`!!str 2024` to make a number text); any other tag is an error."""

SMART_QUOTES = "\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb"
"""Typographic quotes that word processors put in pasted text: to YAML they are letters, not quotes."""

QUOTE_HINT = ("(\u201c \u201d and \u2018 \u2019 are typographic quotes, which YAML reads as part of the text: "
              "use straight quotes \" or ' or none)")
"""Appended to a message about a value that holds typographic quotes."""


def quote_hint(text: str) -> str:
    """' ' + QUOTE_HINT when the text holds typographic quotes, else ''."""
    return f" {QUOTE_HINT}" if any(q in text for q in SMART_QUOTES) else ""


MAX_DEPTH = 50
"""How many lists and mappings may nest inside one another in a content file. The deepest file the content
model describes needs four; far deeper nesting is a mistake or a hostile file, and is reported where the
collection that goes too deep starts, before it can exhaust Python's stack (or, in libyaml, the C stack)."""

TOO_DEEP = (f"lists and mappings nested more than {MAX_DEPTH} deep: content files need only a few levels "
            "(look for a stray '[', '{' or '-')")
"""The message for a collection nested deeper than MAX_DEPTH."""

FLOW_HINT = ("(inside {...} and [...], a comma, colon, bracket or # ends the text: put text that holds one in "
             "quotes, e.g. en: \"Hello, world\")")
"""Appended to a syntax error met inside a flow collection: an unquoted comma or colon is the usual cause."""


class _Unsupported(yaml.MarkedYAMLError):
    """Valid YAML that the content files do not allow (a tag such as !foo, nesting deeper than MAX_DEPTH)."""


_COLLECTION_STARTS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing tags other than the core ones, and nesting deeper than MAX_DEPTH, at the place
    they are written."""

    _depth = 0  # collections open around the node being composed

    def compose_node(self, parent, index):  # noqa: D102 (PyYAML's name)
        event = self.peek_event()
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!" and tag not in CORE_TAGS:
            written = tag.replace("tag:yaml.org,2002:", "!!", 1)
            raise _Unsupported(None, None, f"tag '{written}' is not supported: content files use plain YAML "
                               "values, without tags", event.start_mark)
        if not isinstance(event, _COLLECTION_STARTS):
            return super().compose_node(parent, index)
        if self._depth >= MAX_DEPTH:
            raise _Unsupported(None, None, TOO_DEEP, event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def read_text(path: Path, diags: Diagnostics) -> str | None:
    """The file's text as UTF-8, or None after reporting why it cannot be read."""
    try:  # (files.py: only a regular file, never blocking, at most MAX_TEXT_BYTES)
        data = read_input(path, MAX_TEXT_BYTES, "a content file")
    except InputError as exc:  # renamed or removed since it was found, a pipe, no permission, too large
        diags.error(path, 1, 1, exc.message)
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        diags.error(path, 1, 1, "file starts with a byte-order mark (BOM); save it as UTF-8 without BOM")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        diags.error(path, line, col, f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8")
        return None
    if not text.strip():
        diags.error(path, 1, 1, "file is empty")
        return None
    return text


def loc(path: Path, node: yaml.Node, line_offset: int = 0) -> Loc:
    """Where a YAML node starts, as 1-based line and column (line_offset: lines before the YAML text)."""
    return Loc(path, node.start_mark.line + 1 + line_offset, node.start_mark.column + 1)


_FastLoader = getattr(yaml, "CSafeLoader", None)
"""libyaml's parser (when PyYAML was built with it): the same nodes and marks, about three times faster.
(Its plain scalars have style '' where the pure-Python loader's have None: see schema.is_plain.)"""

_C_SAFE_FLOW = 2400
"""libyaml composes recursively in C, with no limit (about 30,000 levels crash the process) and in time that
grows with the square of the depth of [ ] and { }: it is given only text that cannot nest deeper than about
3,000 levels (this, plus twice _C_SAFE_LINE_START), which it composes in a few hundredths of a second at worst.

How deep text can nest, without parsing it: a flow collection starts at a `[` or `{` (and an implicit one-pair
mapping in `[a: b]` adds a level per `[`), so 2 x '[' + '{' bounds the flow levels. A block collection nested
in another starts further right, except a `- ` list right under a key, the second of two levels at one
column; and on a line, block collections start only at its indentation and after `- `, `? ` or `: `. So the
block levels are at most twice (1 + the longest run of spaces, tabs, `-`, `?` and `:` that starts a line)."""
_C_SAFE_LINE_START = 300
"""The longest run at a line's start (see _C_SAFE_FLOW) of text libyaml is given."""


def _line_start_run(text: str, length: int) -> bool:
    """Whether a line starts with `length` or more spaces, tabs, `-`, `?` and `:` (see _C_SAFE_FLOW)."""
    if len(text) >= length and not text[:length].strip(" \t?:-"):
        return True
    return _run_after_line_break(length).search(text) is not None


@functools.cache
def _run_after_line_break(length: int) -> re.Pattern:
    return re.compile(rf"[\n\r\x85\u2028\u2029][ \t?:-]{{{length}}}")


def _too_deep(root: yaml.Node) -> bool:
    """Whether a composed tree nests more than MAX_DEPTH collections (each node visited once: an alias
    composes to the node it names, which may be an ancestor)."""
    seen: set[int] = set()
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, yaml.CollectionNode) or id(node) in seen:
            continue
        if depth > MAX_DEPTH:
            return True
        seen.add(id(node))
        for item in node.value:
            if isinstance(item, tuple):
                stack += ((item[0], depth + 1), (item[1], depth + 1))
            else:
                stack.append((item, depth + 1))
    return False


def compose(text: str, path: Path, diags: Diagnostics, line_offset: int = 0) -> yaml.Node | None:
    """Parse YAML text into a node tree; syntax errors are reported with their position."""
    flow = 2 * text.count("[") + text.count("{")
    room = (MAX_DEPTH - flow) // 2  # without a line-start run this long, it nests at most MAX_DEPTH deep
    shallow = room > 0 and not _line_start_run(text, room)
    if (_FastLoader is not None and "!" not in text
            and (shallow or (flow <= _C_SAFE_FLOW and not _line_start_run(text, _C_SAFE_LINE_START)))):
        # Valid YAML without tags (a tag needs a `!`) and nested less than MAX_DEPTH deep, nearly every file,
        # goes through libyaml. Anything else goes through the pure-Python parser below, whose checks and
        # messages are the ones reported.
        try:
            node = yaml.compose(text, Loader=_FastLoader)
        except (yaml.YAMLError, RecursionError):  # reported by the parser below
            node = None
        if node is not None and (shallow or not _too_deep(node)):
            return node
    try:
        node = yaml.compose(text, Loader=_Loader)
    except _Unsupported as exc:
        mark = exc.problem_mark
        diags.error(path, mark.line + 1 + line_offset, mark.column + 1, f"YAML error: {exc.problem}")
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else 1 + line_offset
        col = (mark.column + 1) if mark else 1
        problem = exc.problem or "invalid YAML"
        if "\\t" in problem or "\t" in problem:
            problem = "tab character in YAML: indent with spaces, not tabs"
        else:
            # In a {...} or [...] begun on this line (one begun earlier more likely lacks its } or ]), or
            # after one: a comma or colon in unquoted text.
            in_flow = ("flow" in (exc.context or "") and mark is not None and exc.context_mark is not None
                       and exc.context_mark.line == mark.line) or problem.endswith(("found ','", "got ','"))
            if exc.context:
                problem = f"{problem} ({exc.context}"
                if exc.context_mark and mark and exc.context_mark.line != mark.line:
                    problem += f" that starts at line {exc.context_mark.line + 1 + line_offset}"
                problem += ")"
            if in_flow:
                problem += f" {FLOW_HINT}"
        lines = text.splitlines()
        if mark and mark.line < len(lines):
            problem += quote_hint(lines[mark.line])
        diags.error(path, line, col, f"YAML syntax error: {problem}")
        return None
    except yaml.reader.ReaderError as exc:  # a control character: its position is an index into the text
        before = text[: exc.position]
        line = before.count("\n") + 1 + line_offset
        col = exc.position - (before.rfind("\n") + 1) + 1
        diags.error(path, line, col, f"control character U+{exc.character:04X} is not allowed in YAML: "
                    "delete it (it often comes with text pasted from another program)")
        return None
    except RecursionError:
        diags.error(path, 1 + line_offset, 1, "YAML nested too deeply to read")
        return None
    except yaml.YAMLError as exc:  # anything else PyYAML may raise, still located at the file
        diags.error(path, 1 + line_offset, 1, f"YAML error: {exc}")
        return None
    if node is None:
        diags.error(path, 1 + line_offset, 1, "no YAML content")
    return node


def split_front_matter(text: str, path: Path, diags: Diagnostics) -> tuple[str, int, str, int] | None:
    """Split a Markdown file into (yaml_text, yaml_first_line_offset, body, body_first_line).

    The YAML text starts after the opening `---`, so its node marks are offset
    by one line; `body_first_line` is the 1-based line where the Markdown starts.
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n").rstrip() != FRONT_MATTER_FENCE:
        diags.error(path, 1, 1, "missing front matter: the file must start with a line '---', "
                    "then the YAML fields, then another '---'")
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n").rstrip() == FRONT_MATTER_FENCE:
            yaml_text = "".join(lines[1:index])
            body = "".join(lines[index + 1:])
            return yaml_text, 1, body, index + 2
    diags.error(path, 1, 1, "front matter is not closed: add a line '---' after the YAML fields")
    return None
