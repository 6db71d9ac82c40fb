"""Ids the templates give elements themselves, read from the template sources, so that an id content gives an
element (an event's `id` is its anchor on the timeline page) cannot take one of them: two elements with one id
is invalid HTML, and the skip link's `#main` would lead to the event instead of the page's content.

No list of reserved ids is kept by hand: every `id="..."` attribute in the templates is read once per build.
An id written as text (`id="main"`) is reserved as it is; one that starts with text and goes on with an
expression (`id="year-{{ year }}"`) reserves every id with that start (`year-2025`). One that starts with an
expression (`id="{{ event.id }}"`, the content's own slot) reserves nothing.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import Diagnostics, Loc

_ID_ATTRIBUTE_RE = re.compile(r"""(?<![\w:-])id\s*=\s*(?:"([^"]*)"|'([^']*)')""")
"""An HTML id attribute with its value in quotes (not `data-id=`, `aria-labelledby=`, `xml:id=`)."""
_EXPRESSION_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
"""A Jinja expression or statement in an attribute value."""


@dataclass(frozen=True)
class TemplateId:
    """An id, or a family of ids, a template gives an element."""

    written: str
    """The attribute's value as the template writes it: `main`, `year-{{ year_group.grouper }}`."""
    path: Path
    """The template."""
    line: int
    """The 1-based line of the attribute."""
    prefix: str
    """The text it starts with: the whole id when `exact`."""
    exact: bool
    """The value is text only; else any id that starts with `prefix` (and goes on) may be produced."""

    def takes(self, ident: str) -> bool:
        """Whether the template may give an element this id."""
        if self.exact:
            return ident == self.prefix
        return ident.startswith(self.prefix) and len(ident) > len(self.prefix)


def template_ids(templates_dir: Path) -> tuple[TemplateId, ...]:
    """Every id the HTML templates in the folder give elements by text (see the module docstring), in file
    and line order."""
    found = []
    for path in sorted(templates_dir.glob("*.html")):
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):  # a broken template is reported when it is compiled
            continue
        for match in _ID_ATTRIBUTE_RE.finditer(source):
            value = match.group(1) if match.group(1) is not None else match.group(2)
            expression = _EXPRESSION_RE.search(value)
            prefix = value if expression is None else value[:expression.start()]
            if prefix.strip():
                found.append(TemplateId(value, path, source.count("\n", 0, match.start()) + 1, prefix,
                                        exact=expression is None))
    return tuple(found)


def check_ids(ids: Iterable[tuple[str, Loc]], what: str, reserved: tuple[TemplateId, ...],
              diags: Diagnostics) -> None:
    """An error at each id content gives an element (with where it is written) that a template may also give
    one; `what` names the ids in the message ('event')."""
    for ident, where in ids:
        taken = [tid for tid in reserved if tid.takes(ident)]
        if taken:
            places = ", ".join(f"id=\"{tid.written}\" in template {tid.path.name}, line {tid.line}"
                               for tid in taken)
            diags.error(where.path, where.line, where.col,
                        f"{what} id '{ident}' is also an id the templates give an element ({places}): a link to "
                        f"#{ident} could not tell them apart; choose another id")
