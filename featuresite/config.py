"""Stage 1: load site.yaml and the UI strings."""
from __future__ import annotations

import os
import re
from pathlib import Path

import babel
import yaml

from .errors import Diagnostics, UsageError
from .files import look_at
from .model import Language, SiteConfig, TextPair
from .pages import NAVIGABLE
from .schema import INVALID, URL_RE, Context, Field, ListOf, Record, validate
from .scalars import Bool, Enum, Int, Slug, Str, Text, Url
from .yamlsrc import compose, read_text

HOST_NAME_RE = re.compile(r"(?=.{1,253}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
                          r"(?=[a-z0-9-]*[a-z])[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z", re.IGNORECASE)
"""A domain name: dot-separated labels of letters, digits and inner hyphens (punycode `xn--` for others), the
last not all digits (an IP address is no custom domain)."""


def base_url_problem(url: str) -> str | None:
    """Why a URL cannot be where a site is published (None if it can): not an absolute http(s) URL, or one
    with a query (?...) or fragment (#...), which every page's address would then carry."""
    if not URL_RE.match(url):
        return "is not an absolute http(s) URL: write it in full, starting with https://"
    if "?" in url or "#" in url:
        return ("has a query (?...) or fragment (#...): a base URL is a folder, such as "
                "https://example.org/feature/")
    return None


class BaseUrl(Url):
    """Where a site is published: an absolute http(s) URL, perhaps with a path, without query or fragment."""

    name = "a base URL"

    def check(self, node, ctx):
        value = super().check(node, ctx)
        problem = None if value is INVALID else base_url_problem(value)
        if problem is not None:
            ctx.error(node, f"base URL {value!r} {problem}")
            return INVALID
        return value


class HostName(Str):
    """A domain name alone, such as news.example.org (GitHub Pages' CNAME file)."""

    name = "a host name"

    def check(self, node, ctx):
        value = super().check(node, ctx)
        if value is not INVALID and not HOST_NAME_RE.match(value):
            ctx.error(node, f"invalid host name {value!r}: write the domain alone, such as news.example.org "
                      "(letters, digits, hyphens and dots; no https://, path, port or spaces)")
            return INVALID
        return value


LANGUAGE = Record({
    "code": Field(Slug(), True, "URL prefix and file-name suffix, e.g. zh"),
    "html_lang": Field(Str(), True, "the lang attribute of pages, e.g. zh-CN"),
    "locale": Field(Str(), True, "Babel locale for numbers and dates, e.g. zh_Hans_CN"),
    "name": Field(Str(), True, "the language's own name, for the switcher"),
    "compact_numbers_from": Field(Int(minimum=1), False, "write numbers compactly (28.1万) from this value up"),
})
"""One language of site.yaml."""

SITE = Record({
    "title": Field(Text(), True, "the feature's title"),
    "description": Field(Text(), True, "standfirst and meta description"),
    "base_url": Field(BaseUrl(), True, "where the site is published; its path prefixes every link"),
    "languages": Field(ListOf(LANGUAGE, min_items=1), True, "languages, default first"),
    "navigation": Field(ListOf(Enum(*NAVIGABLE), min_items=1), True, "menu order"),
    "editors": Field(Text(), False, "who edits the site (feed author)"),
    "cname": Field(HostName(), False, "custom domain for GitHub Pages"),
    "search": Field(Bool(), False, "whether the site has a search page (default true)"),
})
"""site.yaml."""

STRINGS = Record({}, any_key=Text())
"""UI strings: key -> text pair."""


def _language_codes(root: yaml.Node, path: Path) -> tuple[str, ...]:
    """The language codes site.yaml declares, read leniently (problems are reported by the full pass)."""
    if not isinstance(root, yaml.MappingNode):
        return ()
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "languages":
            langs = validate(value, ListOf(LANGUAGE), Context(path, Diagnostics()))
            if langs is not INVALID:
                return tuple(dict.fromkeys(lang["code"] for lang in langs))
    return ()


def normalise_base_url(url: str) -> str:
    """The base URL with exactly one trailing slash."""
    return url.rstrip("/") + "/"


def load_config(content_dir: Path, diags: Diagnostics, base_url: str | None = None) -> SiteConfig | None:
    """Read and validate content/site.yaml; None if it has errors (reported to diags).

    base_url, when given (from --base-url), replaces the one in site.yaml; one that cannot be a base URL is
    a UsageError.
    """
    problem = None if base_url is None else base_url_problem(base_url)
    if problem is not None:
        raise UsageError(f"--base-url {base_url!r} {problem}")
    path = content_dir / "site.yaml"
    found = look_at(path, content_dir)  # looked at, never opened, before it is read (files.py)
    if found is None or (found.problem is None and not os.path.isfile(path)):
        diags.error(path, 1, 1, "site.yaml is missing: every content folder needs one (see docs/content.md)")
        return None
    if found.problem is not None:
        diags.error(path, 1, 1, found.problem)
        return None
    text = read_text(path, diags)
    root = compose(text, path, diags) if text is not None else None
    if root is None:
        return None
    # The languages are read first: every text pair in site.yaml (and in every
    # other file) is checked against the codes they declare.
    codes = _language_codes(root, path)
    ctx = Context(path, diags, codes)
    data = validate(root, SITE, ctx)
    if data is INVALID:
        return None
    ok = True
    seen: set[str] = set()
    for lang, where in zip(data["languages"], data["languages"].locs):
        if lang["code"] in seen:
            diags.error(path, where.line, where.col, f"language '{lang['code']}' is listed twice")
            ok = False
        seen.add(lang["code"])
        try:
            babel.Locale.parse(lang["locale"])
        except (ValueError, babel.UnknownLocaleError):
            at = lang.locs["locale"]
            diags.error(path, at.line, at.col, f"unknown locale {lang['locale']!r}: use a Babel locale "
                        "such as zh_Hans_CN or en")
            ok = False
    nav = data["navigation"]
    for page, where in zip(nav, nav.locs):
        if nav.count(page) > 1:
            diags.error(path, where.line, where.col, f"'{page}' appears more than once in navigation")
            ok = False
    if not ok:
        return None
    languages = tuple(
        Language(code=lang["code"], html_lang=lang["html_lang"], locale=lang["locale"], name=lang["name"],
                 compact_numbers_from=lang.get("compact_numbers_from"))
        for lang in data["languages"])
    return SiteConfig(
        path=path,
        title=data["title"],
        description=data["description"],
        base_url=normalise_base_url(base_url or data["base_url"]),
        languages=languages,
        navigation=tuple(nav),
        navigation_locs=tuple(nav.locs),
        language_locs=tuple(data["languages"].locs),
        editors=data.get("editors"),
        cname=data.get("cname"),
        search=data.get("search", True),
    )


def load_strings(path: Path, languages: tuple[str, ...], diags: Diagnostics) -> dict[str, TextPair]:
    """UI strings from one file (templates/strings.yaml or content/strings.yaml); {} if it has errors."""
    text = read_text(path, diags)
    root = compose(text, path, diags) if text is not None else None
    if root is None:
        return {}
    data = validate(root, STRINGS, Context(path, diags, languages))
    return {} if data is INVALID else dict(data)
