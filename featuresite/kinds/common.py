"""What the content kinds share: the Kind declaration, the Category record, and the placeholder warning."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from ..declared import Key, TextPair, key_of
from ..deps import read_whole
from ..errors import Diagnostics
from ..pagekind import PageKind
from ..reader import Reader, text_pairs

if TYPE_CHECKING:
    from ..model import Site
    from ..parse import Parsed

PLACEHOLDER = "TODO"
"""What `new` writes where an editor has something to fill in; left in content, it is a warning."""


def _same(value: Any) -> Any:
    return value


def _none() -> None:
    return None


@dataclass(frozen=True)
class Kind:
    """One kind of content: its name, the dataclass that declares a file of it, and what it adds to the stages.

    The registry (kinds/__init__.py) lists every kind; discover, parse and link loop over it."""

    name: str
    """Its file, data/<name>.yaml, and the Site attribute that holds it (site.<name>); 'articles' for articles/."""
    root: type
    """The dataclass a file of this kind is validated against (its schema) and read into."""
    sheet: bool = True
    """A fact sheet: one file in data/ (False: the articles, one Markdown file each in articles/)."""
    required: str | None = None
    """Why every site needs this sheet, if it does: said when the file is missing."""
    value: Callable[[Any], Any] = _same
    """What the Site holds, given the file's object (e.g. its records in a dict by id)."""
    absent: Callable[[], Any] = _none
    """What the Site holds when there is no such file."""
    check: Callable[[Any, Reader], Any] | None = None
    """The kind's own checks on a file's object, once built; gives the object to keep (see Reader.replace)."""
    warn: Callable[[Site, Parsed, Diagnostics], None] | None = None
    """Warnings about the linked site: content nothing uses, placeholders left in."""
    roots: Callable[[Site], Iterable[Any]] | None = None
    """What the reverse index of references walks, in order (default: the Site's value of the kind)."""
    pages: tuple[PageKind, ...] = ()
    """The page kinds that show this content (pages.PAGE_KINDS gathers them)."""

    @property
    def where(self) -> str:
        """Where things of this kind are defined, for messages: 'data/<name>.yaml' or 'articles/'."""
        return f"data/{self.name}.yaml" if self.sheet else f"{self.name}/"


@read_whole
@dataclass(frozen=True)
class Category:
    """A category of events or platforms."""

    id: Annotated[str, Key()]
    """Its id, named by an item's `category`."""
    name: TextPair
    """Its name."""


def warn_placeholders(records: Iterable[Any], diags: Diagnostics) -> None:
    """A warning for each keyed record (with a `loc`) that still holds placeholder text in a text pair."""
    for record in records:
        if any(PLACEHOLDER in text for pair in text_pairs(record) for text in pair.values()):
            key = key_of(type(record))
            where = record.loc
            diags.warning(where.path, where.line, where.col, f"placeholder text '{PLACEHOLDER}' left in "
                          f"{key.key} '{getattr(record, key.name)}'")
