"""The content schemas, declared as data (see docs/content.md for the prose version).

Each schema is a tree of schema types; unknown keys are errors everywhere.
"""
from __future__ import annotations

from .pages import NAVIGABLE
from .schema import Bool, Date, Enum, Field, Int, ListOf, Number, Record, Slug, Str, Text, Url


LANGUAGE = Record({
    "code": Field(Slug(), True, "URL prefix and file-name suffix, e.g. zh"),
    "html_lang": Field(Str(), True, "the lang attribute of pages, e.g. zh-CN"),
    "locale": Field(Str(), True, "Babel locale for numbers and dates, e.g. zh_Hans_CN"),
    "name": Field(Str(), True, "the language's own name, for the switcher"),
    "compact_numbers_from": Field(Int(minimum=1), False, "write numbers compactly (28.1万) from this value up"),
})

SITE = Record({
    "title": Field(Text(), True, "the feature's title"),
    "description": Field(Text(), True, "standfirst and meta description"),
    "base_url": Field(Url(), True, "where the site is published; its path prefixes every link"),
    "languages": Field(ListOf(LANGUAGE, min_items=1), True, "languages, default first"),
    "navigation": Field(ListOf(Enum(*NAVIGABLE), min_items=1), True, "menu order"),
    "editors": Field(Text(), False, "who edits the site (feed author)"),
    "cname": Field(Str(), False, "custom domain for GitHub Pages"),
})

STRINGS = Record({}, any_key=Text())
"""UI strings: key -> text pair."""

FRONT_MATTER = Record({
    "title": Field(Str(), True, "headline"),
    "summary": Field(Str(), True, "standfirst, meta description and feed summary"),
    "date": Field(Date(), True, "first published; the same in every translation"),
    "updated": Field(Date(), False, "last substantive update"),
    "byline": Field(Str(), True, "who wrote it"),
    "sources": Field(ListOf(Slug(), min_items=1), True, "source ids it draws on"),
    "tags": Field(ListOf(Str()), False, "topics"),
    "credit": Field(Str(), False, "credit line naming the original reports"),
})

SOURCES = Record({
    "sources": Field(ListOf(Record({
        "id": Field(Slug(), True),
        "title": Field(Text(), True),
        "publisher": Field(Text(), False),
        "byline": Field(Text(), True),
        "date": Field(Date(partial=True), False),
        "url": Field(Url(), False),
        "note": Field(Text(), False),
    }), min_items=1), True),
})

FIGURES = Record({
    "figures": Field(ListOf(Record({
        "key": Field(Slug(), True, "cited in prose as {{key}}"),
        "value": Field(Number(), True, "the figure, in full"),
        "unit": Field(Text(), False, "appended to the number, or a pattern with {n}"),
        "label": Field(Text(), True, "what it counts"),
        "note": Field(Text(), False, "scope"),
        "as_of": Field(Date(partial=True), False, "the date it refers to"),
        "approx": Field(Enum("exact", "over", "about"), False, "exact (default), over, about"),
        "featured": Field(Bool(), False, "shown on the home page"),
        "source": Field(Slug(), True),
    })), True),
})

CATEGORY = Record({"id": Field(Slug(), True), "name": Field(Text(), True)})

TIMELINE = Record({
    "categories": Field(ListOf(CATEGORY, min_items=1), True),
    "events": Field(ListOf(Record({
        "id": Field(Slug(), True),
        "date": Field(Date(partial=True), True),
        "category": Field(Slug(), True),
        "title": Field(Text(), True),
        "text": Field(Text(), False),
        "platforms": Field(ListOf(Slug()), False),
        "articles": Field(ListOf(Slug()), False),
        "source": Field(Slug(), True),
    })), True),
})

RANKING = Record({
    "title": Field(Text(), True, "the ranking's name"),
    "subject": Field(Text(), True, "what is ranked"),
    "publisher": Field(Text(), True),
    "released": Field(Date(partial=True), False),
    "source": Field(Slug(), True),
    "editions": Field(ListOf(Record({
        "edition": Field(Int(minimum=1), True, "year"),
        "rank": Field(Int(minimum=1), True, "1 = best"),
        "of": Field(Int(minimum=1), False, "how many were ranked"),
        "source": Field(Slug(), True),
    }), min_items=1), True),
    "method": Field(ListOf(Record({
        "label": Field(Text(), True),
        "text": Field(Text(), True),
        "source": Field(Slug(), True),
    })), False),
})

PLATFORMS = Record({
    "categories": Field(ListOf(CATEGORY, min_items=1), True),
    "platforms": Field(ListOf(Record({
        "slug": Field(Slug(), True),
        "category": Field(Slug(), True),
        "name": Field(Text(), True),
        "summary": Field(Text(), True),
        "source": Field(Slug(), True),
        "facts": Field(ListOf(Record({"text": Field(Text(), True), "source": Field(Slug(), True)})), False),
    })), True),
})

GLOSSARY = Record({
    "terms": Field(ListOf(Record({
        "name": Field(Text(), True, "the proper name in every language"),
        "note": Field(Text(), False, "what it is"),
    }), min_items=1), True),
})

DATA_SHEETS = {
    "sources": SOURCES,
    "figures": FIGURES,
    "timeline": TIMELINE,
    "ranking": RANKING,
    "platforms": PLATFORMS,
    "glossary": GLOSSARY,
}
"""Fact sheets by file name (data/<name>.yaml); only sources is required."""
