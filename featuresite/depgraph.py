"""The dependency graph: what every page of a build read, and which pages a change makes stale.

Paths and fingerprints are those of deps.py. A rebuild evaluates every
recorded path on the new Site (`evaluate`, walking shared prefixes once and
skipping what an unchanged file gave), and the pages that read a path whose
value differs are stale (`DepGraph.stale`).
"""
from __future__ import annotations

import gc
import marshal
from itertools import compress, count
from operator import ne
import pickle
from array import array
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .deps import entry as trie_entry
from .fingerprints import MISSING, SHORT_TEXT, fingerprint, identity, placed, shape_of
from .hrefs import PageLinks


def evaluate(trie: dict, root: Any, before: list[str] | None = None,
             settled: Callable[[str], bool] | None = None) -> list[str]:
    """The fingerprint of every path's value in root (indexed as the trie's paths), walking shared prefixes
    once. Below an object that is the one that stood there when `before` was taken (its identity, '@', is
    the same) and whose file (origin) `settled` says has not changed since, the values are before's, and
    the walk does not go there."""
    found = list(before) if before is not None else [""] * (_largest(trie) + 1)
    missing = fingerprint(MISSING)

    def walk(obj: Any, node: dict) -> None:
        for step, (children, index) in node.items():
            try:  # (_apply, its common cases inlined: this runs for every path of every page)
                if type(step) is not str:
                    if step[0] == "[":
                        value = obj[step[1]]
                    elif step[3]:
                        value = getattr(obj, step[1])(*step[2], **dict(step[3]))
                    else:
                        value = getattr(obj, step[1])(*step[2])
                elif step in _MARKS:
                    value = _apply(obj, step)
                else:
                    value = getattr(obj, step)
            except Exception:  # a key, attribute or item no longer there; a method that now fails
                value = MISSING
            if index >= 0:
                found[index] = value if type(value) is str and len(value) <= SHORT_TEXT and value[:1] > "\1" \
                    else fingerprint(value)
            if not children:
                continue
            if value is MISSING:
                _fill(children, found, missing)
                continue
            if settled is not None:
                at = children.get("@")
                here = placed(value) if at is not None and at[1] >= 0 else None
                if here is not None and settled(here[0]) and fingerprint(here[1]) == found[at[1]]:
                    continue  # the same object, of a file that did not change: so is all that was read of it
            walk(value, children)

    walk(root, trie)
    return found


_MARKS = frozenset({"#", "=", "@"})
"""The steps of a path that are no attribute (see deps.py)."""


def paths_in(trie: dict, prefix: tuple = ()) -> dict[tuple, int]:
    """Every path of a trie that has an index -> the index (for tests and inspection)."""
    found: dict[tuple, int] = {}
    for step, (children, index) in trie.items():
        if index >= 0:
            found[prefix + (step,)] = index
        found.update(paths_in(children, prefix + (step,)))
    return found


def _largest(trie: dict) -> int:
    return max((max(index, _largest(children)) for children, index in trie.values()), default=-1)


def _apply(obj: Any, step: Any) -> Any:
    """One step of a path, taken on plain objects."""
    if type(step) is str:
        if step == "#":
            return shape_of(obj)
        if step == "=":
            return obj
        if step == "@":
            return identity(obj)
        return getattr(obj, step)
    if step[0] == "[":
        return obj[step[1]]
    return getattr(obj, step[1])(*step[2], **dict(step[3]))


def _fill(node: dict, found: list[str], value: str) -> None:
    for children, index in node.values():
        if index >= 0:
            found[index] = value
        _fill(children, found, value)


class DepGraph:
    """What every page of a build read (kept in the build cache, and by the live preview)."""

    def __init__(self, trie: dict | None = None, values: list[str] | None = None,
                 reads: dict[str, array] | None = None, links: dict[str, PageLinks] | None = None):
        self._trie: dict = {} if trie is None else trie
        self._values: list[str] = [] if values is None else values
        self._reads: dict[str, array] = {} if reads is None else reads
        self.links: dict[str, PageLinks] = {} if links is None else links
        """Page output path -> what its prose links to (hrefs.py), for every page with prose, recorded or
        not: the links of every page are checked after each build, rendered in it or not."""
        # Graphs of other processes' pages, as dumps() gives them (links aside, which are in self.links),
        # that nothing has needed merged yet: a first build only saves them (see merge and dumps).
        self._unmerged: list[bytes] = []

    def _merged(self) -> None:
        """Merge what is unmerged, in order (each over what came before)."""
        while self._unmerged:
            self.merge(DepGraph.loads(self._unmerged.pop(0)))

    @property
    def trie(self) -> dict:
        """Every path any page read, as a trie: step -> [children, index of the path that ends here or -1].
        The one index of paths: rendering records into it (deps.Recorder), a rebuild evaluates it as it is,
        and the build cache stores it so (no rebuild makes it again)."""
        self._merged()
        return self._trie

    @property
    def values(self) -> list[str]:
        """Index -> the fingerprint of the value the path had."""
        self._merged()
        return self._values

    @property
    def reads(self) -> dict[str, array]:
        """Page output path -> the indices of the paths it read."""
        self._merged()
        return self._reads

    def __reduce__(self) -> tuple:
        # Pickled (from a render worker) as dumps() gives it, marshal being several times quicker, and
        # unpickled with its paths left unmerged (see merge): only the links are read.
        return DepGraph._shipped, (self.dumps(links=False), marshal.dumps(self.links))

    @classmethod
    def _shipped(cls, paths: bytes, links: bytes) -> DepGraph:
        graph = cls(links=marshal.loads(links))
        graph._unmerged.append(paths)
        return graph

    def _entry(self, path: tuple) -> list:
        """The trie's entry for a path, made (with index -1) if there is none."""
        node, at = self.trie, None
        for step in path:
            at = trie_entry(node, step)
            node = at[0]
        return at

    def add(self, page: str, reads: Mapping[tuple, str]) -> None:
        """Record (or replace) one page's reads, given as paths with their values' fingerprints. (Rendering
        records into the trie directly, deps.Recorder: this is for reads gathered otherwise.)"""
        self.reads[page] = self._indices(reads)

    def _indices(self, reads: Mapping[tuple, str]) -> array:
        """The indices of these paths, each taking the value given (over an older value, from a page now
        stale: a path has one value in a build)."""
        values = self.values
        indices = array("I")
        for path, value in reads.items():
            entry = self._entry(path)
            index = entry[1]
            if index < 0:
                index = entry[1] = len(values)
                values.append(value)
            else:
                values[index] = value
            indices.append(index)
        return indices

    def merge(self, other: DepGraph) -> None:
        """Add another graph's pages (e.g. a render worker's), its values over this one's. The other graph
        is used up: what only it has is taken over, not copied. A graph received from a render worker and
        not yet looked at is kept as it came, and merged only when this graph's paths are needed: a first
        build only saves them (dumps), and the next build loads them merged."""
        self.links.update(other.links)
        if other._unmerged and not other._reads and not other._values:
            self._unmerged.extend(other._unmerged)
            return
        values, theirs = self.values, other.values
        remap = array("I", bytes(4 * len(theirs)))

        def adopt(node: dict) -> None:  # a part of the other's trie this one lacks: renumbered, taken as it is
            for entry in node.values():
                index = entry[1]
                if index >= 0:
                    remap[index] = entry[1] = len(values)
                    values.append(theirs[index])
                if entry[0]:
                    adopt(entry[0])

        def walk(mine: dict, node: dict) -> None:
            for step, (children, index) in node.items():
                entry = mine.get(step)
                if entry is None:
                    entry = mine[step] = node[step]
                    adopt({step: entry})
                    continue
                if index >= 0:
                    if entry[1] < 0:
                        entry[1] = len(values)
                        values.append(theirs[index])
                    else:
                        values[entry[1]] = theirs[index]
                    remap[index] = entry[1]
                if children:
                    walk(entry[0], children)
        walk(self.trie, other.trie)
        for page, indices in other.reads.items():
            self.reads[page] = array("I", [remap[i] for i in indices])

    @property
    def paths(self) -> dict[tuple, int]:
        """Every path read -> its index (made from the trie, for tests and inspection)."""
        return paths_in(self.trie)

    def stale(self, root: Any, pages: Iterable[str], settled: Callable[[str], bool] | None = None
              ) -> set[str]:
        """The pages (of those given) that are not in the graph or read a path whose value in root differs;
        the graph's values become root's. settled: see evaluate."""
        now = evaluate(self.trie, root, self.values, settled)
        changed = set(compress(count(), map(ne, self.values, now)))  # (the indices whose values differ)
        self._values = now
        return {page for page in pages
                if page not in self.reads or (changed and not changed.isdisjoint(self.reads[page]))}

    def dumps(self, links: bool = True) -> bytes:
        """The graph as bytes for the build cache: marshal, several times quicker than pickle both ways for
        these tuples of strings, when every path holds only such values; else pickle. links=False leaves
        the links out. Graphs still unmerged are written as they are, after this one's own."""
        own = self._dumps(self.links if links else {})
        if not self._unmerged:
            return own
        return b"S" + marshal.dumps([own, *self._unmerged])

    def _dumps(self, links: dict[str, PageLinks]) -> bytes:
        try:
            return b"M" + marshal.dumps((self._trie, self._values,
                                         {page: indices.tobytes() for page, indices in self._reads.items()},
                                         links))
        except ValueError:  # a path holds an object marshal cannot write
            return b"P" + pickle.dumps((self._trie, self._values, self._reads, links),
                                       protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def loads(cls, data: bytes) -> DepGraph:
        """A graph from dumps()'s bytes."""
        kind = data[:1]
        if kind == b"S":  # a graph and graphs to merge into it, in order
            parts = marshal.loads(data[1:])
            graph = cls.loads(parts[0])
            for part in parts[1:]:
                graph.merge(cls.loads(part))
            return graph
        if kind == b"P":
            trie, values, reads, links = pickle.loads(data[1:])
            return cls(trie, values, reads, links=links)
        if kind != b"M":
            raise ValueError("not a dependency graph")
        # Many small containers and no cycles: the cyclic collector, run again and again as they are made
        # (the links too: the first run after the trie is made would scan all of it), would take several
        # times as long as making them. (A build freezes the graph it loads: it is never scanned.)
        enabled = gc.isenabled()
        gc.disable()
        try:
            trie, values, reads, links = marshal.loads(data[1:])
            graph = cls(trie, values, links=links)
            for page, raw in reads.items():
                graph._reads[page] = indices = array("I")
                indices.frombytes(raw)
        finally:
            if enabled:
                gc.enable()
        return graph

    def drop(self, pages: Iterable[str]) -> None:
        """Forget these pages (they no longer exist)."""
        for page in pages:
            self.reads.pop(page, None)
            self.links.pop(page, None)

