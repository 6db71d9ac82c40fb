"""Diagnostics: every content problem is collected, then printed compiler-style."""
from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in the content, located in a file."""

    path: Path
    """The file the problem is in."""
    line: int
    """1-based line number (0 when the problem concerns the whole file)."""
    col: int
    """1-based column number."""
    severity: str
    """'error' or 'warning'."""
    message: str
    """What is wrong and, where possible, how to fix it."""

    def format(self) -> str:
        """`path:line:col: severity: message`, the path relative to the working folder if inside it."""
        return f"{display_path(self.path)}:{self.line}:{self.col}: {self.severity}: {self.message}"


class Lines:
    """Where each line of a text starts: turns an offset into the text into a 1-based (line, column)."""

    def __init__(self, text: str, breaks: re.Pattern = re.compile("\n")):
        self.starts = [0] + [match.end() for match in breaks.finditer(text)]
        """The offset at which each line starts (breaks: what ends a line)."""

    def at(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column of an offset."""
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1


def display_path(path: Path) -> str:
    """The path as a person would type it: relative to the current folder when below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


@dataclass
class Diagnostics:
    """Collects every error and warning of a run, so all are reported at once."""

    items: list[Diagnostic] = field(default_factory=list)
    """Everything reported so far, in the order found."""

    def error(self, path: Path, line: int, col: int, message: str) -> None:
        """Record an error at path:line:col."""
        self.items.append(Diagnostic(Path(path), line, col, "error", message))

    def warning(self, path: Path, line: int, col: int, message: str) -> None:
        """Record a warning at path:line:col (an error under --strict)."""
        self.items.append(Diagnostic(Path(path), line, col, "warning", message))

    @property
    def errors(self) -> list[Diagnostic]:
        """The errors only."""
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        """The warnings only."""
        return [d for d in self.items if d.severity == "warning"]

    def sorted(self) -> list[Diagnostic]:
        """Every item, ordered by file, line and column, duplicates removed."""
        return sorted(set(self.items))

    def make_strict(self) -> None:
        """Turn every warning into an error (--strict)."""
        self.items = [
            Diagnostic(d.path, d.line, d.col, "error", d.message) if d.severity == "warning" else d
            for d in self.items
        ]


class ContentErrors(Exception):
    """Raised by a stage when the content has errors; carries the diagnostics."""

    def __init__(self, diagnostics: Diagnostics):
        super().__init__(f"{len(diagnostics.errors)} content error(s)")
        self.diagnostics = diagnostics


class InternalError(Exception):
    """A bug in featuresite (or a library it uses), not in the content: exit status 70.

    Raised where the original exception's traceback is still at hand (e.g. in a render worker), with that
    traceback as text, so the command line can show it behind --debug."""

    def __init__(self, message: str, details: str = ""):
        super().__init__(message, details)
        self.message = message
        """One line: the exception's type and text, and where it happened."""
        self.details = details
        """The traceback, as text."""


class UsageError(Exception):
    """A mistake in how the tool was called (exit status 2), not in the content."""


@dataclass(frozen=True)
class Loc:
    """A place in a content file, for messages about values read from it."""

    path: Path
    """The file."""
    line: int
    """1-based line."""
    col: int
    """1-based column."""
