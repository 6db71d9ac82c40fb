"""Reading YAML sources with their positions: files, front matter, node marks.

Values are not constructed here: the schema module walks the composed nodes,
so every value keeps the line and column it came from.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from .errors import Diagnostics, Loc

FRONT_MATTER_FENCE = "---"


def read_text(path: Path, diags: Diagnostics) -> str | None:
    """The file's text as UTF-8, or None after reporting why it cannot be read."""
    data = path.read_bytes()
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


def compose(text: str, path: Path, diags: Diagnostics, line_offset: int = 0) -> yaml.Node | None:
    """Parse YAML text into a node tree; syntax errors are reported with their position."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else 1 + line_offset
        col = (mark.column + 1) if mark else 1
        problem = exc.problem or "invalid YAML"
        if "\\t" in problem or "\t" in problem:
            problem = "tab character in YAML: indent with spaces, not tabs"
        elif exc.context:
            problem = f"{problem} ({exc.context}"
            if exc.context_mark and mark and exc.context_mark.line != mark.line:
                problem += f" that starts at line {exc.context_mark.line + 1 + line_offset}"
            problem += ")"
        diags.error(path, line, col, f"YAML syntax error: {problem}")
        return None
    except yaml.YAMLError as exc:  # reader errors (e.g. control characters) carry a position too
        mark = getattr(exc, "position", None)
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
