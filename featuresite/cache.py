"""The build cache: what the last build of an output folder read and wrote, so the next one redoes only what changed.

It lives beside the output folder, in `.featuresite-cache/<folder name>/`
(git-ignored; safe to delete at any time, the next build is then a full one):

    state.pickle    the key, each input file's digest, each output file's stamp, the warnings
    graph.bin       what each page read of the site (depgraph.DepGraph), read only when something changed
    parsed.pickle   each content file's parse result, by the file's digest

Nothing in it is used unless it was written with the same key: generator
version (its source code, Python's and the libraries' versions), options,
working folder. An input file counts as unchanged only when its bytes hash
the same (the hash is reused only for a file provably untouched since it was
taken, see fingerprint); the output folder counts as the one the last build
wrote only when every file it wrote is there with the same size,
modification time and inode. Anything else, or a cache that cannot be read,
means a full build.
"""
from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib.util
import os
import pickle
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

from .errors import Diagnostic, Diagnostics
from .files import MAX_FILE_BYTES, MAX_FOLDER_BYTES, Found, InputError, files_below, read_input

CACHE_FOLDER = ".featuresite-cache"
"""The cache's folder, beside the output folder."""
RECENT_ENTRIES = 50
"""Parse results changed since parsed.pickle was written are kept apart, in parsed-recent.pickle, up to
this many (or a twentieth of all): saving them is then quick."""
ENTRIES_PER_PICKLE = 250
"""Parse results are pickled this many at a time (see BuildCache._save_entries)."""
LIBRARIES = ("jinja2", "markdown", "yaml", "babel", "markupsafe", "pagefind", "pagefind_bin_extended")
"""Libraries whose version changes what a build writes (Pagefind's binary: the search index)."""


@lru_cache(maxsize=1)
def generator_version() -> str:
    """A digest of everything in the generator that decides its output: its code, Python's version, the
    libraries' installed code. (Templates, static files and content are inputs, fingerprinted on every build.)"""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(sys.version.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):  # every module, those of sub-packages (kinds/) too
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    for library in LIBRARIES:
        # Where each library's code is, and its size and time: an upgrade or reinstall replaces it.
        # (Cheaper than importlib.metadata, and this runs even when a build has nothing to do.)
        spec = importlib.util.find_spec(library)
        origin = Path(spec.origin) if spec and spec.origin else None
        info = origin.stat() if origin else None
        digest.update(f"{library}={origin}:{info and (info.st_size, info.st_mtime_ns)}\0".encode())
    return digest.hexdigest()


def cache_dir_for(out_dir: Path) -> Path:
    """Where the cache of an output folder lives: `.featuresite-cache/site/` beside `site/`."""
    out = out_dir.resolve()
    return out.parent / CACHE_FOLDER / out.name


FileStat = tuple[int, int, int, int]
"""(size, modification time, change time, inode) of an input file."""
TRUST_AFTER_NS = 2_000_000_000
"""A file's recorded digest is reused only if its change time was this long before the recording build
started: longer than any file system's timestamp step, so a later write cannot leave the same stat."""


@dataclass
class Fingerprint:
    """Every input file's digest, and what it took to know it."""

    digests: dict[str, bytes]
    """The digest of every file's bytes, by its path (as the folder was given)."""
    stats: dict[str, FileStat]
    """Each file's stat when it was looked at."""
    taken_ns: int
    """The time (ns since the epoch) before any file was looked at."""


def fingerprint(folders: tuple[Path, ...], previous: Fingerprint | None = None,
                walked: dict[Path, list[Found]] | None = None) -> Fingerprint:
    """The digest of every file below the folders (files.files_below: the files a build can read); walked,
    if given, gets what the walk found in each folder (for discover: the inputs are walked once).

    A file whose size, times and inode are those recorded by the previous
    fingerprint, with a change time older than that fingerprint (by
    TRUST_AFTER_NS), keeps its recorded digest: any write since would have
    set a newer change time, which no program can set back. Every other file
    is read and hashed, through files.read_input: never a pipe or a device,
    never more than MAX_FILE_BYTES, and nothing of a folder whose files add
    up to more than MAX_FOLDER_BYTES. What the build must not read (a link
    leading outside, a pipe, an unreadable folder, a file too big) gets an
    empty digest, never equal to a file's: the build runs, and reports it.
    """
    taken_ns = time.time_ns()
    digests: dict[str, bytes] = {}
    stats: dict[str, FileStat] = {}
    trusted_before = previous.taken_ns - TRUST_AFTER_NS if previous else 0
    for folder in folders:
        listed = list(files_below(folder))
        if walked is not None:
            walked[folder] = listed
        over = sum(found.info.st_size for found in listed if found.problem is None) > MAX_FOLDER_BYTES
        for found in listed:
            path, info = found.path, found.info
            digests[path] = b""  # unless known below
            if found.problem is not None or over:
                continue
            # The stat was taken before reading: a write after it gives a newer change time.
            stat = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
            if previous and info.st_ctime_ns < trusted_before and previous.stats.get(path) == stat:
                digests[path] = previous.digests[path]
            else:
                try:
                    digests[path] = hashlib.blake2b(read_input(path, MAX_FILE_BYTES), digest_size=16).digest()
                except InputError:
                    continue  # unreadable or too big: the build reports it
            stats[path] = stat
    return Fingerprint(digests, stats, taken_ns)


@dataclass
class BuildState:
    """What one build read and wrote (state.pickle)."""

    key: tuple
    """Generator version, options and working folder it was built with."""
    inputs: Fingerprint
    """Every input file's digest."""
    output: dict[str, tuple[int, int, int]]
    """Every file of the output folder and its stamp as written."""
    warnings: list[Diagnostic] = field(default_factory=list)
    """The build's warnings, shown again when nothing changed."""


def _load(path: Path, parse: Callable[[bytes], Any] = pickle.loads) -> Any:
    gc.disable()  # unpickling builds many small objects; the cyclic collector would only slow it down
    try:
        return parse(path.read_bytes())
    finally:
        gc.enable()


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[BinaryIO]:
    """A file to write that replaces path in one step when the block ends (a reader sees the old or the
    new), and is removed if the block raises."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f"{path.name}.{os.getpid()}.draft")
    try:
        with open(draft, "wb") as file:
            yield file
        os.replace(draft, path)
    except BaseException:
        draft.unlink(missing_ok=True)
        raise


def _save(path: Path, value: Any) -> None:
    with _replacing(path) as file:
        pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)


class BuildCache:
    """One output folder's cache: loads what matches the key, saves after a successful build."""

    def __init__(self, folder: Path, key: tuple):
        self.folder = folder
        """The cache folder (cache_dir_for(out))."""
        self.key = key
        """What the cache must have been written with to be used."""

    def load_state(self) -> BuildState | None:
        """The last build's state, or None if there is none with this key or it cannot be read."""
        try:
            state = _load(self.folder / "state.pickle")
        except Exception:  # missing, truncated, written by another version: a full build
            return None
        if not isinstance(state, BuildState) or state.key != self.key:
            return None
        return state

    def load_graph(self) -> Any:  # (a DepGraph; not imported at the top: a no-change build never needs it)
        """What each page of the last build read (depgraph.DepGraph), or None if it cannot be read. Only a build
        that found a state with this key asks for it: a save writes the graph before the state."""
        from .depgraph import DepGraph
        try:
            return _load(self.folder / "graph.bin", DepGraph.loads)
        except Exception:  # missing, truncated, written by another version: a full build
            return None

    def load_parsed(self) -> dict:
        """The parse results by file: {path: (key, value, diagnostics)} (see ParseCache)."""
        entries: dict = {}
        # Recent entries over the base ones. Each entry is checked against its file's digest when
        # used, so any mix of the two files is safe.
        for name in ("parsed.pickle", "parsed-recent.pickle"):
            entries.update(self._load_entries(self.folder / name))
        return entries

    def _load_entries(self, path: Path) -> dict:
        entries: dict = {}
        gc.disable()  # as in _load
        try:
            with open(path, "rb") as file:
                if pickle.load(file) != self.key:
                    return {}
                while True:
                    try:
                        entries.update(pickle.load(file))
                    except EOFError:
                        break
        except Exception:  # missing, truncated, written by another version: what was read is kept
            pass
        finally:
            gc.enable()
        return entries

    def _save_entries(self, path: Path, entries: dict) -> None:
        """The key, then the entries in pickles of ENTRIES_PER_PICKLE: pickling them all at once would hold
        a table of every object in memory (the build's peak), and a file cut short still gives the
        entries before the cut."""
        items = list(entries.items())
        with _replacing(path) as file:
            pickle.dump(self.key, file, protocol=pickle.HIGHEST_PROTOCOL)
            for start in range(0, len(items), ENTRIES_PER_PICKLE):
                pickle.dump(dict(items[start:start + ENTRIES_PER_PICKLE]), file, protocol=pickle.HIGHEST_PROTOCOL)

    def save(self, state: BuildState, graph: Any, updated: dict | None, everything: dict) -> None:
        """Keep this build's state, what its pages read (graph), and parse results (save_parsed; None when
        already saved)."""
        if updated is not None:
            self.save_parsed(updated, everything)
        with _replacing(self.folder / "graph.bin") as file:
            file.write(graph.dumps())
        _save(self.folder / "state.pickle", state)

    def save_parsed(self, updated: dict, everything: dict) -> None:
        """Keep parse results: the entries updated by this build, or, when the recent ones grow beyond a few,
        all of them (rewriting all costs more than parsing a few). The state goes first: until save() writes
        it again, the next build uses no other part of the cache either (may run before the build is
        done)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        # The state is removed first and written last: a build always checks it first, so it never
        # trusts parse results or output that a half-finished save has not vouched for.
        (self.folder / "state.pickle").unlink(missing_ok=True)
        if updated:
            base, recent = self.folder / "parsed.pickle", self.folder / "parsed-recent.pickle"
            changed = {**self._load_entries(recent), **updated} if base.exists() else {}
            if base.exists() and len(changed) <= max(RECENT_ENTRIES, len(everything) // 20):
                self._save_entries(recent, changed)
            else:
                recent.unlink(missing_ok=True)
                self._save_entries(base, everything)


class ParseCache:
    """Per-file results of reading content, kept between builds.

    An entry is reused while its file is unchanged and the inputs it was read
    with (e.g. the site's languages) are the same; its diagnostics are
    replayed on reuse. A file is known by the digest of its bytes when
    `digests` is given (a build, see cache.py), else by its size and
    modification time in nanoseconds (the dev server, which rescans anyway).
    """

    def __init__(self, entries: dict | None = None, digests: dict[str, bytes] | None = None) -> None:
        self.entries: dict[Path, tuple[tuple, Any, list]] = entries or {}
        """path -> (key, result, diagnostics)."""
        self.digests = digests
        """Each file's digest by its path (cache.fingerprint), or None to go by size and time."""
        self.updated: set[Path] = set()
        """Files whose entry was added or replaced since this cache was made."""

    def _file_key(self, path: Path) -> tuple | None:
        if self.digests is not None:
            digest = self.digests.get(str(path))
            return (digest,) if digest else None
        try:
            stat = path.stat()
        except OSError:
            return None
        return (stat.st_size, stat.st_mtime_ns)

    def holds(self, path: Path, inputs: tuple) -> bool:
        """True when get() would return a remembered result."""
        key = self._file_key(path)
        entry = self.entries.get(path)
        return key is not None and entry is not None and entry[0] == key + (inputs,)

    def put(self, path: Path, inputs: tuple, value: Any, found: list) -> None:
        """Remember a result computed elsewhere (found: its diagnostics)."""
        key = self._file_key(path)
        if key is not None:
            self.entries[path] = (key + (inputs,), value, found)
            self.updated.add(path)

    def get(self, path: Path, inputs: tuple, compute: Callable[[Diagnostics], Any], diags: Diagnostics) -> Any:
        """compute(diags) for this file, or its remembered result if the file and inputs are unchanged."""
        key = self._file_key(path)
        if key is not None:
            key += (inputs,)
        entry = self.entries.get(path)
        if key is not None and entry is not None and entry[0] == key:
            diags.items.extend(entry[2])
            return entry[1]
        own = Diagnostics()
        value = compute(own)
        diags.items.extend(own.items)
        if key is not None:
            self.entries[path] = (key, value, own.items)
            self.updated.add(path)
        return value
