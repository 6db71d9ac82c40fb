"""Machine-readable files rendered from the Site without templates: the ranking data ("get the data")
and the web app manifest. (They may be given a recording view of the Site: JSON unwraps its values.)"""
from __future__ import annotations

import csv
import io
import json
import re

from .deps import unwrap
from .model import Site


def ranking_csv(site: Site) -> bytes:
    """The ranking editions as CSV: one row per edition, language-neutral columns, UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["edition", "rank", "of", "source"])
    for edition in site.ranking.editions:
        writer.writerow([edition.edition, edition.rank, "" if edition.of is None else edition.of, edition.source])
    return buffer.getvalue().encode("utf-8")


def ranking_json(site: Site) -> bytes:
    """The ranking with its names in every language and the sources it cites, as JSON."""
    ranking = site.ranking
    cited = sorted({ranking.source, *(e.source for e in ranking.editions), *(n.source for n in ranking.method)})
    data = {
        "title": ranking.title,
        "subject": ranking.subject,
        "publisher": ranking.publisher,
        "released": ranking.released.iso if ranking.released else None,
        "direction": "1 is the best rank",
        "editions": [{"edition": e.edition, "rank": e.rank, "of": e.of, "source": e.source}
                     for e in ranking.editions],
        "method": [{"label": n.label, "text": n.text, "source": n.source} for n in ranking.method],
        "sources": {sid: {"title": site.sources[sid].title, "byline": site.sources[sid].byline} for sid in cited},
    }
    return (json.dumps(data, ensure_ascii=False, indent=2, default=unwrap) + "\n").encode("utf-8")


THEME_COLOR = "#a4262c"
"""The accent colour of static/style.css, for the browser's UI."""


def manifest(site: Site) -> bytes:
    """The web app manifest: name, start page and icon, in the default language."""
    config = site.config
    lang = config.default_language
    data = {
        "name": config.title[lang.code],
        "short_name": re.split(r"[:：|]", config.title[lang.code])[0].strip(),
        "description": config.description[lang.code],
        "lang": lang.html_lang,
        "start_url": f"{config.base_path}{lang.code}/",
        "scope": config.base_path,
        "display": "browser",
        "background_color": "#fdfcf9",
        "theme_color": THEME_COLOR,
        "icons": [{"src": f"{config.base_path}static/favicon.svg", "sizes": "any", "type": "image/svg+xml"}],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2, default=unwrap) + "\n").encode("utf-8")
