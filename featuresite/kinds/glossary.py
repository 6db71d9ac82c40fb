"""The glossary: each proper name's one form in every language (data/glossary.yaml)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from ..declared import MinItems, TextPair
from ..reader import Reader
from ..pagekind import PageKind, sheet_file
from .common import Kind


@dataclass(frozen=True, kw_only=True)
class Term:
    """A proper name and its fixed form in every language."""

    name: TextPair
    """The name in every language; the first language's form must be unique."""
    note: TextPair | None = None
    """What it is."""


@dataclass(frozen=True, kw_only=True)
class Glossary:
    """data/glossary.yaml."""

    terms: Annotated[tuple[Term, ...], MinItems(1)]
    """The names, in the order the glossary page lists them."""


def check(glossary: Glossary, reader: Reader) -> Glossary:
    """Each term once: the first language's name identifies a term (a second one is reported and left out)."""
    terms = []
    for term in glossary.terms:
        first_lang = next(iter(term.name))
        if reader.define("glossary term", term.name[first_lang], reader.where(term, "name")):
            terms.append(term)
    return reader.replace(glossary, terms=tuple(terms))


PAGES = (PageKind("glossary", 60, "{lang}/glossary/", template="glossary.html", sheet="glossary",
                  source=sheet_file("glossary")),)
"""The glossary page, per language."""

KIND = Kind("glossary", Glossary, check=check, value=lambda sheet: sheet.terms,
            pages=PAGES)
