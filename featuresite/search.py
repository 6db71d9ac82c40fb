"""Site search: the Pagefind index of the built pages, made as part of writing the site.

The templates say what is searchable with Pagefind's own attributes: `data-pagefind-body` on the text of
an article, a platform page, the timeline, the glossary and the key figures (so navigation, footers and
every other page are left out), `data-pagefind-ignore` on what repeats, and `data-pagefind-filter=
"type:..."` for the type of result (article, platform, event, term, figure). The search page
(templates/search.html, static/search.js) reads the index; Pagefind splits it by each page's
`<html lang>`, segments Chinese and stems English.

The write stage calls `index_staging` on the staging folder once it holds the whole new site, before it is
swapped in (write.replacing_site, write.patching_site): the bundle lands in `pagefind/` in the same atomic
step as the pages. Each language is indexed on its own, side by side. An incremental build indexes again
only the languages in which a page that is (or was) searchable changed, and then writes only the index
files whose bytes changed; otherwise the index is carried over like any unchanged file. The live preview
(serve.py) calls `index_pages` on the pages it holds in memory.

Reproducible: the pages go to Pagefind's indexing service one by one in path order (its own directory
walk follows the order the file system lists files in, and so would its index), and what Pagefind writes
in hash-map order, which differs from run to run, is put in order here (`_in_order`): the languages in
pagefind-entry.json, and the values of each filter (filter/*.pf_filter) with the names of the files that
refer to them (the metadata, pagefind.*.pf_meta). The service's Python wrapper reads one answer per
0.1 s, too slow for one message per page, so this module speaks the same protocol itself (base64 JSON
messages, each ended by a comma) to the binary the `pagefind` package finds.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import subprocess
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import UsageError

if TYPE_CHECKING:
    from .model import Site
    from .write import Staging

INDEX_DIR = "pagefind"
"""The folder of the site that holds the search bundle."""
CONFIG = {"exclude_selectors": [".source-mark"]}
"""Pagefind's indexing options: source marks ("Source 3") repeat on every item, and are left out here
rather than by an attribute on each of them."""
_MARKED = re.compile(rb"<[a-zA-Z][^<>]*\sdata-pagefind-body[\s=>]")
"""A start tag with data-pagefind-body: the page has searchable text (text in prose cannot make one: its
`<` is escaped)."""
_BUNDLE = re.compile(r"(pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|pagefind\.[\w-]+\.pf_meta|wasm\.[\w-]+\.pagefind"
                     r"|(index|fragment|filter)/[\w-]+\.pf_(index|fragment|filter))")
"""The bundle files the search page uses: the search library, the web worker it searches in, its
WebAssembly, the index. Pagefind's own search interfaces (pagefind-ui.js, ...) and its highlighter are left
out: the search page has its own interface."""
_ENTRY = "pagefind-entry.json"
_HTML_LANG = re.compile(rb"<html\s[^>]*?\blang=\"([^\"]*)\"")
"""A page's language, as Pagefind reads it."""
_LANGUAGE = re.compile(r"[a-z]{2,8}(-[a-z0-9]{1,8})*")
"""A language tag (lower case), as Pagefind names the files of a language's index by it."""


def searchable(site: Site) -> bool:
    """Whether the site has search (site.yaml's `search`, true unless set false): then, and only then, its
    pages get an index, in a build and in the live preview."""
    return site.config.search


def is_index_file(rel: str) -> bool:
    """Whether a path of the site (relative to the output folder) is a file of the search index."""
    return rel.startswith(INDEX_DIR + "/")


def is_searchable(page: bytes) -> bool:
    """Whether an HTML page has text the index takes (an element with data-pagefind-body)."""
    return _MARKED.search(page) is not None


def index_pages(pages: Mapping[str, bytes], previous: Mapping[str, bytes] | None = None,
                languages: Iterable[str] | None = None) -> dict[str, bytes]:
    """The search bundle for the site whose HTML pages these are (output path -> bytes; pages without
    searchable text are skipped): its files by path relative to the output folder (`pagefind/...`).

    Pagefind indexes each language on its own (Pagefind's name for it: its `<html lang>` in lower case), so
    each language's pages go to a service of their own, side by side; their bundles share the search
    library (the same bytes) and pagefind-entry.json, which lists the languages (merged here). With
    `previous` (the last bundle, path -> bytes) and `languages`, only those languages are indexed again and
    the others' files are taken from `previous`: the same bytes as indexing all of them."""
    grouped: dict[str, list[str]] = {}
    for rel in sorted(pages):
        if rel.endswith(".html") and is_searchable(pages[rel]):
            lang = _language(pages[rel])
            if _LANGUAGE.fullmatch(lang):  # (a page in no language Pagefind can name is left out)
                grouped.setdefault(lang, []).append(rel)
    again = set(grouped) if previous is None or languages is None else set(languages)
    bundle: dict[str, bytes] = {}
    entry: dict = {"languages": {}}
    if previous is not None and languages is not None:  # the languages not indexed again, as they were
        old = {rel.removeprefix(INDEX_DIR + "/"): data for rel, data in previous.items()}
        entry = json.loads(old[_ENTRY])
        entry["languages"] = {lang: index for lang, index in entry["languages"].items() if lang not in again}
        kept = [f"wasm.{index['wasm'] or 'unknown'}.pagefind" for index in entry["languages"].values()]
        prefixes = tuple(f"{folder}{lang}_" for lang in entry["languages"] for folder in _PER_LANGUAGE)
        bundle = {rel: data for rel, data in old.items()
                  if rel.startswith(prefixes) or rel in kept or rel in _LIBRARY}
    runs = sorted(again & grouped.keys()) or ([] if bundle else [None])  # None: no page, the library alone
    from concurrent.futures import ThreadPoolExecutor  # (here: a build that indexes nothing never needs it)
    with ThreadPoolExecutor(max(1, len(runs))) as pool:
        parts = list(pool.map(lambda lang: _bundle({rel: pages[rel] for rel in grouped.get(lang, [])}), runs))
    for lang, part in zip(runs, parts):
        part_entry = json.loads(part.pop(_ENTRY))
        if lang is not None and set(part_entry["languages"]) != {lang}:
            if previous is None:
                raise RuntimeError(f"Pagefind named the language {lang!r} {sorted(part_entry['languages'])}")
            return index_pages(pages)  # it names the language otherwise: index them all
        entry = {**part_entry, "languages": {**entry["languages"], **part_entry["languages"]}}
        for rel, data in part.items():
            if bundle.setdefault(rel, data) != data and rel in _LIBRARY:
                raise RuntimeError(f"Pagefind wrote {rel} differently for two languages")
            bundle[rel] = data
    bundle[_ENTRY] = json.dumps(entry).encode("utf-8")
    _in_order(bundle)
    return {f"{INDEX_DIR}/{rel}": bundle[rel] for rel in sorted(bundle)}


_LIBRARY = ("pagefind.js", "pagefind-worker.js", "wasm.unknown.pagefind")
"""The files every language's bundle has."""
_PER_LANGUAGE = ("fragment/", "index/", "filter/", "pagefind.")
"""Where (with the language's name and `_`) the files of one language's index begin."""


def _bundle(pages: Mapping[str, bytes]) -> dict[str, bytes]:
    """Pagefind's bundle for these pages, by path within it (the files the search page uses), as written."""
    requests: list[dict] = [{"type": "NewIndex", "config": CONFIG}]
    # The service is new, so the index it makes is number 0: every request can be sent at once.
    requests += [{"type": "AddFile", "index_id": 0, "file_path": None, "url": "/" + _url_path(rel),
                  "file_contents": data.decode("utf-8")} for rel, data in pages.items()]
    requests.append({"type": "GetFiles", "index_id": 0})
    files = _ask(requests)[-1]["files"]
    bundle = {item["path"]: base64.b64decode(item["content"]) for item in files if _BUNDLE.fullmatch(item["path"])}
    if "pagefind.js" not in bundle or _ENTRY not in bundle:
        raise RuntimeError(f"Pagefind's bundle lacks pagefind.js or {_ENTRY} (got {sorted(i['path'] for i in files)})")
    return bundle


def index_staging(staging: Staging, previous: Path | None = None, removed: Iterable[str] = ()) -> None:
    """Write the search bundle into a staging folder that holds the whole new site (write.Finish).

    previous: the site this one replaces, for an incremental build whose staging folder holds the previous
    bundle carried over (staging.carried). That bundle stays as it is unless a page with searchable text
    (now or before) was written with other bytes or removed (`removed`: the previous site's files the new
    one drops): then the languages of those pages are indexed again, and only the files whose bytes differ are written (the others stay carried over;
    those no longer part of the bundle go).
    """
    folder = staging.folder
    carried = sorted(rel for rel in staging.carried if is_index_file(rel))
    again = None  # the languages to index again (None: all)
    # (A bundle carried over was made by this Pagefind: its version is part of the build cache's key.)
    if previous is not None and carried:
        again = _changed_languages(staging, previous, removed)
        if not again:
            return
    pages = {rel: (folder / rel).read_bytes()
             for rel in sorted(staging.stamps.keys() | staging.carried.keys()) if rel.endswith(".html")}
    old = {rel: (folder / rel).read_bytes() for rel in carried} if again is not None else None
    bundle = index_pages(pages, old, again)
    for rel in carried:
        if rel not in bundle:
            os.unlink(folder / rel)
            del staging.carried[rel]
    for rel, data in bundle.items():
        if rel in staging.carried:
            if (old[rel] if old is not None else (folder / rel).read_bytes()) == data:
                continue
            del staging.carried[rel]
        staging.write(rel, data)
    for sub in ("fragment", "filter", "index"):  # a folder the bundle no longer uses
        with contextlib.suppress(OSError):
            (folder / INDEX_DIR / sub).rmdir()


def changed_languages(before: Mapping[str, bytes], after: Mapping[str, bytes]) -> set[str]:
    """The languages (as Pagefind names them) whose index the HTML pages `after` can change from what it is
    for `before` (output path -> bytes): of each page with searchable text, now or before, that is new, gone
    or different."""
    found = set()
    for rel in before.keys() | after.keys():
        if not rel.endswith(".html"):
            continue
        old, new = before.get(rel), after.get(rel)
        for page in (old, new):
            if old != new and page is not None and is_searchable(page):
                found.add(_language(page))
    return found


def _language(page: bytes) -> str:
    """An HTML page's language as Pagefind names it: its `<html lang>` in lower case."""
    found = _HTML_LANG.search(page)
    return found.group(1).decode("utf-8", "replace").lower() if found else "unknown"


def _changed_languages(staging: Staging, previous: Path, removed: Iterable[str]) -> set[str]:
    """changed_languages for an incremental build: the pages it wrote, and the files it removed, against
    the previous site."""
    def read(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
    written = [rel for rel in staging.stamps if rel.endswith(".html")]
    gone = [rel for rel in removed if rel.endswith(".html")]
    before = {rel: data for rel in (*written, *gone) if (data := read(previous / rel)) is not None}
    return changed_languages(before, {rel: (staging.folder / rel).read_bytes() for rel in written})


def _url_path(rel: str) -> str:
    """A page's URL path below the site's root, from its output path (`zh/timeline/index.html` ->
    `zh/timeline/`), as Pagefind itself would make it."""
    return rel[: -len("index.html")] if rel == "index.html" or rel.endswith("/index.html") else rel


def _in_order(bundle: dict[str, bytes]) -> None:
    """Put in order what Pagefind writes in hash-map order (bundle: its files by path within the bundle):
    each filter's values (by value) and each language's filters (by name), the files renamed by a digest
    of their new bytes, and the languages of pagefind-entry.json. The other files are as Pagefind wrote them.

    A filter file holds [filter, [[value, [page, ...]], ...]], the metadata [version, pages, index chunks,
    [[filter, file], ...], sorts] (Pagefind's FilterIndex and MetaIndex, as CBOR arrays), each gzipped after
    the signature `pagefind_dcd`."""
    entry = json.loads(bundle.pop(_ENTRY))
    for lang, index in sorted(entry["languages"].items()):
        meta = _cbor_load(_unpack(bundle.pop(f"pagefind.{index['hash']}.pf_meta")))
        filters = []
        for name, file in meta[3]:
            values = _cbor_load(_unpack(bundle.pop(f"filter/{file}.pf_filter")))
            values[1].sort(key=lambda packed: packed[0])
            data = _cbor_dump(values)
            file = f"{lang}_{hashlib.sha256(data).hexdigest()[:10]}"
            bundle[f"filter/{file}.pf_filter"] = _pack(data)
            filters.append([name, file])
        meta[3] = sorted(filters)
        data = _cbor_dump(meta)
        index["hash"] = f"{lang}_{hashlib.sha256(data).hexdigest()[:10]}"
        bundle[f"pagefind.{index['hash']}.pf_meta"] = _pack(data)
    entry["languages"] = dict(sorted(entry["languages"].items()))
    bundle[_ENTRY] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


_SIGNATURE = b"pagefind_dcd"


def _unpack(data: bytes) -> bytes:
    """The CBOR in one of Pagefind's index files."""
    import gzip  # (as ThreadPoolExecutor above)
    data = gzip.decompress(data)
    if not data.startswith(_SIGNATURE):
        raise RuntimeError("a Pagefind index file without its signature")
    return data[len(_SIGNATURE):]


def _pack(data: bytes) -> bytes:
    """An index file as Pagefind writes one (the same bytes whenever the CBOR is the same)."""
    import gzip
    return gzip.compress(_SIGNATURE + data, compresslevel=9, mtime=0)


def _cbor_load(data: bytes) -> object:
    """The value CBOR bytes encode (the kinds Pagefind's index files use: integers, strings, arrays, maps)."""
    def item(at: int) -> tuple[object, int]:
        major, info = data[at] >> 5, data[at] & 31
        at += 1
        if info < 24:
            number = info
        elif info < 28:
            size = 1 << (info - 24)
            number, at = int.from_bytes(data[at:at + size], "big"), at + size
        else:
            raise RuntimeError("CBOR of an indefinite length in a Pagefind index file")
        if major in (0, 1):
            return (number if major == 0 else -1 - number), at
        if major in (2, 3):
            raw = data[at:at + number]
            return (raw if major == 2 else raw.decode("utf-8")), at + number
        if major in (4, 5):
            items = []
            for _ in range(number * (major - 3)):
                value, at = item(at)
                items.append(value)
            return (items if major == 4 else dict(zip(items[::2], items[1::2]))), at
        if major == 7 and info in (20, 21, 22):
            return (False, True, None)[info - 20], at
        raise RuntimeError(f"CBOR of major type {major} in a Pagefind index file")
    value, end = item(0)
    if end != len(data):
        raise RuntimeError("trailing bytes after the CBOR of a Pagefind index file")
    return value


def _cbor_dump(value: object) -> bytes:
    """CBOR for a value _cbor_load gives, each length in its shortest form (as Pagefind writes it)."""
    def head(major: int, number: int) -> bytes:
        if number < 24:
            return bytes([major << 5 | number])
        for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
            if number < 1 << (8 * size):
                return bytes([major << 5 | info]) + number.to_bytes(size, "big")
        raise RuntimeError("an integer too large for CBOR")
    if value is False or value is True or value is None:
        return bytes([0xF4 + (False, True, None).index(value)])
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return head(3, len(raw)) + raw
    if isinstance(value, list):
        return head(4, len(value)) + b"".join(_cbor_dump(item) for item in value)
    if isinstance(value, dict):
        return head(5, len(value)) + b"".join(_cbor_dump(k) + _cbor_dump(v) for k, v in value.items())
    raise RuntimeError(f"cannot write {type(value).__name__} as CBOR")


def _executable() -> Path:
    """The Pagefind binary (pagefind-bin-extended, installed with `pagefind[extended]`, or as
    PAGEFIND_BINARY_PATH says)."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        get_executable = None
    found = get_executable() if get_executable is not None else None
    if found is None:
        raise UsageError("site search needs Pagefind, which is not installed: pip install 'pagefind[extended]' "
                         "(or pip install -e . in the project)")
    return Path(found)


def _ask(requests: list[dict]) -> list[dict]:
    """Send requests to a new Pagefind indexing service (`pagefind --service`), in order; their answers,
    in the same order. The service handles its requests one after the other, in the order they come."""
    process = subprocess.Popen([str(_executable()), "--service"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # a Ctrl-C is for the build, which then stops it
    writer = threading.Thread(target=_send, args=(process, requests), daemon=True)
    answers: dict[int, dict] = {}
    try:
        writer.start()
        pending = bytearray()
        while len(answers) < len(requests):
            chunk = process.stdout.read1(1 << 20)
            if not chunk:
                raise RuntimeError(f"Pagefind's indexing service stopped (exit status {process.wait()}) "
                                   f"after {len(answers)} of {len(requests)} answers")
            start = len(pending)
            pending += chunk
            end = pending.find(b",", start)
            while end >= 0:
                answer = json.loads(base64.b64decode(pending[:end]))
                del pending[: end + 1]
                payload = answer.get("payload") or {}
                if payload.get("type") == "Error" or answer.get("message_id") is None:
                    raise RuntimeError(f"Pagefind: {payload.get('message', answer)}")
                answers[answer["message_id"]] = payload
                end = pending.find(b",")
    finally:
        process.kill()
        process.wait()
        writer.join()
        for stream in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                stream.close()
    return [answers[number] for number in range(len(requests))]


def _send(process: subprocess.Popen, requests: list[dict]) -> None:
    """Write every request to the service (in a thread of its own, while the answers are read). Its input
    stays open: the service quits as soon as it reads the end of it, answered or not."""
    try:
        for number, payload in enumerate(requests):
            message = json.dumps({"message_id": number, "payload": payload}, ensure_ascii=False)
            process.stdin.write(base64.b64encode(message.encode("utf-8")) + b",")
        process.stdin.flush()
    except (OSError, ValueError):  # the service stopped, or was stopped: the reader says why
        pass

