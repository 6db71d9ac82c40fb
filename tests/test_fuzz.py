"""Property: whatever an editor saves, `check` and `build` end with exit status 0 or 1, every message
is located (`path:line:col: error: ...` in a real file), there is never a traceback, and a failed
build leaves the existing site exactly as it was.

Inputs are the bilingual fixture with one file mutated (bytes deleted, inserted, duplicated,
truncated; tabs, typographic quotes, stray `---`, invalid UTF-8, a BOM, control characters) or
replaced by random YAML. The examples are fixed (derandomized) so that the suite is stable;
`HYPOTHESIS_PROFILE=explore python -m pytest tests/test_fuzz.py` runs many more, at random.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from featuresite.cli import main

settings.register_profile("suite", max_examples=60, derandomize=True, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("explore", max_examples=2000, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "suite")

BASE = FIXTURES / "bilingual"
FILES = sorted(p.relative_to(BASE).as_posix() for p in BASE.rglob("*") if p.is_file())
"""The files an example may break."""

LOCATED = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): \S")
SUMMARY = re.compile(r"^\d+ error\(s\), \d+ warning\(s\)$")

TOKENS = ["\t", ":", ": ", "- ", "---\n", "\n", "  ", "#", "[", "]", "{", "}", ",", "'", '"', "\\", "&a ", "*a",
          "!!str ", "!x ", "|", ">", "{{", "}}", "{{talent}}", "%", "@", "`", "\u201c", "\u201d", "\u2018", "\uff1a",
          "\ufeff", "\x00", "\x08", "\r", "\r\n", "\x85", "\u2028", "2025-02-30", "1e400", "-1", "null", "~", "yes",
          "<script>", "javascript:x", "../", "A_B", "\U0001F600"]
"""Pieces of text that are special somewhere: YAML syntax, pasted characters, HTML, odd values."""

VALUES = ["", "x", "''", "2025-02-30", "2025-13", "2025", "1999-01-01", "0", "-1", "1e400", "117.87e8",
          "99999999999999999999", ".nan", "true", "null", "[]", "{}", "[example-note]", "\u201cexample-note\u201d",
          "example-note", "Example-Note", "../x", "a/b", "{zh: a, en: b}", "{zh: a}", "{{talent}}",
          "'</script><script>alert(1)</script>'", "over", "about", "zh", "en", "home", "timeline"]
"""Values to put in place of one YAML scalar: the structure stays, the value is odd."""

BYTE_TOKENS = [b"\xef\xbb\xbf", b"\xff", b"\xe4\xb8", b"\xc0\x80", b"\xed\xa0\x80"]
"""Bytes that are not UTF-8 (or are a BOM)."""


@st.composite
def mutated_text(draw, text: str) -> str:
    """The text with a few random edits."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["delete", "insert", "insert-random", "duplicate-line", "swap-lines",
                                     "truncate"]))
        lines = text.splitlines(keepends=True) or [""]
        line = min(draw(st.integers(0, len(lines))), len(lines) - 1)
        if edit == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 30)):]
        elif edit == "insert":
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
        elif edit == "insert-random":
            text = text[:at] + draw(st.text(min_size=1, max_size=6)) + text[at:]
        elif edit == "duplicate-line":
            text = "".join(lines[:line + 1] + [lines[line]] + lines[line + 1:])
        elif edit == "swap-lines":
            other = min(draw(st.integers(0, len(lines))), len(lines) - 1)
            lines[line], lines[other] = lines[other], lines[line]
            text = "".join(lines)
        else:
            text = text[:at]
    return text


@st.composite
def odd_value(draw, text: str) -> str:
    """The YAML text with one scalar (a key or a value) replaced by an odd value."""
    nodes, todo = [], [yaml.compose(text, Loader=yaml.SafeLoader)]
    while todo:
        node = todo.pop()
        if isinstance(node, yaml.ScalarNode):
            nodes.append(node)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            todo.extend(n for pair in node.value for n in pair)
    node = draw(st.sampled_from(sorted(nodes, key=lambda n: n.start_mark.index)))
    value = draw(st.one_of(st.sampled_from(VALUES), st.text(max_size=10).map(repr)))
    return text[:node.start_mark.index] + value + text[node.end_mark.index:]


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20),
                    st.dates().map(str), st.sampled_from(["example-note", "zh", "en", "title", "{zh: a}"]))
KEYS = st.one_of(st.sampled_from(["title", "summary", "date", "sources", "id", "zh", "en", "key", "value",
                                  "figures", "events", "platforms", "source", "slug", "languages", "name"]),
                 st.text(max_size=8))
YAML_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                             st.dictionaries(KEYS, inner, max_size=5)),
                           max_leaves=20)
"""Random YAML documents."""


@st.composite
def broken_file(draw) -> tuple[str, bytes]:
    """(relative path, new bytes) for one file of the fixture."""
    rel = draw(st.sampled_from(FILES))
    original = (BASE / rel).read_text(encoding="utf-8")
    front, body = ("", original)
    if rel.endswith(".md"):
        _, front, body = original.split("---\n", 2)
    else:
        front, body = original, ""

    def whole(yaml_text: str, body_text: str = body) -> str:
        return f"---\n{yaml_text}---\n{body_text}" if rel.endswith(".md") else yaml_text

    kind = draw(st.sampled_from(["value", "value", "text", "text", "bytes", "random-yaml", "body"]))
    if kind == "value":
        return rel, whole(draw(odd_value(front))).encode()
    if kind == "text":
        return rel, draw(mutated_text(original)).encode()
    if kind == "bytes":
        data = original.encode()
        at = draw(st.integers(0, len(data)))
        return rel, data[:at] + draw(st.sampled_from(BYTE_TOKENS)) + data[at:]
    if kind == "random-yaml":
        text = yaml.safe_dump(draw(YAML_VALUES), allow_unicode=True, default_flow_style=draw(st.booleans()))
        return rel, whole(text).encode()
    # The Markdown body (or, for a fact sheet, the text) with odd prose in it.
    extra = draw(st.lists(st.sampled_from(
        ["{{talent}}", "{{researchers}}", "{{ no-such }}", "{{Bad_Key}}", "<b>raw</b>", "<p onclick=x>p</p>",
         "[a](javascript:x)", "<script>x</script>", "```\n", "`code`", "[^1]", "[^1]: note", "<!--", "# h {#id}",
         "| a |\n|---|\n| b |", "\u3000", "中文\n中文", "<img src=x alt=''>", "&amp;", "&#0;", "\x00"]),
        min_size=1, max_size=4))
    if rel.endswith(".md"):
        return rel, whole(front, body + "\n".join(extra) + "\n").encode()
    return rel, draw(mutated_text(original)).encode()


def _run(args: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(args)  # an exception here (a traceback) fails the test
    return code, err.getvalue()


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _assert_located(code: int, err: str, content: Path) -> None:
    assert code in (0, 1), err
    lines = err.splitlines()
    assert "Traceback" not in err
    errors = 0
    for line in lines:
        if SUMMARY.match(line):
            continue
        match = LOCATED.match(line)
        assert match, f"not a located message: {line!r}"
        path = Path(match["path"])
        path = path if path.is_absolute() else Path.cwd() / path
        assert int(match["line"]) >= 1 and int(match["col"]) >= 1, line
        assert content.resolve() in path.resolve().parents, line  # a file of the content folder
        errors += match["severity"] == "error"
    assert (errors > 0) == (code == 1), err


@pytest.fixture(scope="module")
def previous_site(tmp_path_factory):
    """The unbroken fixture built once; each example starts from a copy."""
    out = tmp_path_factory.mktemp("previous") / "site"
    assert _run(["build", "--content", str(BASE), "--out", str(out)])[0] == 0
    return out


@settings(settings.get_profile(PROFILE))
@given(change=broken_file())
def test_check_never_crashes_and_locates_every_error(change):
    rel, data = change
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(BASE, content)
        (content / rel).write_bytes(data)
        code, err = _run(["check", "--content", str(content)])
        _assert_located(code, err, content)


@settings(settings.get_profile(PROFILE), max_examples=max(20, settings.get_profile(PROFILE).max_examples // 3))
@given(change=broken_file())
def test_failed_build_never_touches_the_existing_site(change, previous_site):
    rel, data = change
    with tempfile.TemporaryDirectory() as tmp:
        content, out = Path(tmp) / "content", Path(tmp) / "site"
        shutil.copytree(BASE, content)
        shutil.copytree(previous_site, out)
        before = _tree(out)
        (content / rel).write_bytes(data)
        code, err = _run(["build", "--content", str(content), "--out", str(out)])
        _assert_located(code, err, content)
        if code == 1:
            assert _tree(out) == before
        else:
            assert (out / ".featuresite").is_file() and (out / "index.html").is_file()
        assert sorted(p.name for p in Path(tmp).iterdir() if p.name != ".featuresite-cache") in (
            ["content", "site"], [".site.lock", "content", "site"])
