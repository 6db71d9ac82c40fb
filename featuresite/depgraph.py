"""The dependency graph: what every page of a build read, and which pages a change makes stale.

Paths and fingerprints are those of deps.py. A rebuild evaluates every
recorded path on the new Site (`evaluate`, walking shared prefixes once and
skipping what an unchanged file gave), and the pages that read a path whose
value differs are stale (`DepGraph.stale`).
"""
from __future__ import annotations

import marshal
from itertools import compress, count
from operator import ne
import pickle
from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from .deps import SHORT_TEXT, MISSING, fingerprint, identity, origin, shape_of
from .hrefs import PageLinks, ProseLink


def evaluate(trie: dict, root: Any, before: list[str] | None = None,
             settled: Callable[[PurePath], bool] | None = None) -> list[str]:
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
                if at is not None and at[1] >= 0:
                    where = origin(value)
                    if where is not None and settled(where) and fingerprint(identity(value)) == found[at[1]]:
                        continue  # the same object, of a file that did not change: so is all that was read of it
            walk(value, children)

    walk(root, trie)
    return found


_MARKS = frozenset({"#", "=", "@"})
"""The steps of a path that are no attribute (see deps.py)."""


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


@dataclass
class DepGraph:
    """What every page of a build read (kept in the build cache, and by the live preview)."""

    trie: dict = field(default_factory=dict)
    """Every path any page read, as a trie: step -> [children, index of the path that ends here or -1]. The
    one index of paths: a page's reads are added by walking it, a rebuild evaluates it as it is, and the
    build cache stores it so (no rebuild makes it again)."""
    values: list[str] = field(default_factory=list)
    """Index -> the fingerprint of the value the path had."""
    reads: dict[str, array] = field(default_factory=dict)
    """Page output path -> the indices of the paths it read."""
    _groups: dict[int, tuple[dict, array]] = field(default_factory=dict, repr=False, compare=False)
    """Shared groups of reads already added (see add), by identity, with the group itself so that its id
    cannot be another's; never stored (a group lives for one rendering)."""
    links: dict[str, PageLinks] = field(default_factory=dict)
    """Page output path -> what its prose links to (hrefs.py), for every page with prose, recorded or not:
    the links of every page are checked after each build, rendered in it or not."""

    def __reduce__(self) -> tuple:
        # Pickled (from a render worker) as dumps() gives it: marshal is several times quicker, and the
        # shared groups stay behind.
        return DepGraph.loads, (self.dumps(),)

    def _entry(self, path: tuple) -> list:
        """The trie's entry for a path, made (with index -1) if there is none."""
        node, entry = self.trie, None
        for step in path:
            entry = node.get(step)
            if entry is None:
                entry = node[step] = [{}, -1]
            node = entry[0]
        return entry

    def add(self, page: str, reads: Mapping[tuple, str], groups: Iterable[dict[tuple, str]] = ()) -> None:
        """Record (or replace) one page's reads: its own, and groups of reads shared with other pages
        (deps.Recorder.use), each added once and then referred to by identity."""
        indices = self._indices(reads)
        known = self._groups
        for group in groups:
            entry = known.get(id(group))
            if entry is None or entry[0] is not group:
                entry = known[id(group)] = (group, self._indices(group))
            indices.extend(entry[1])
        self.reads[page] = indices

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
        is used up: what only it has is taken over, not copied."""
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
        self.links.update(other.links)

    @property
    def paths(self) -> dict[tuple, int]:
        """Every path read -> its index (made from the trie, for tests and inspection)."""
        found: dict[tuple, int] = {}

        def walk(node: dict, prefix: tuple) -> None:
            for step, (children, index) in node.items():
                if index >= 0:
                    found[prefix + (step,)] = index
                walk(children, prefix + (step,))
        walk(self.trie, ())
        return found

    def stale(self, root: Any, pages: Iterable[str], settled: Callable[[PurePath], bool] | None = None
              ) -> set[str]:
        """The pages (of those given) that are not in the graph or read a path whose value in root differs;
        the graph's values become root's. settled: see evaluate."""
        now = evaluate(self.trie, root, self.values, settled)
        changed = set(compress(count(), map(ne, self.values, now)))  # (the indices whose values differ)
        self.values = now
        return {page for page in pages
                if page not in self.reads or (changed and not changed.isdisjoint(self.reads[page]))}

    def dumps(self) -> bytes:
        """The graph as bytes for the build cache: marshal, several times quicker than pickle both ways for
        these tuples of strings, when every path holds only such values; else pickle."""
        try:
            return b"M" + marshal.dumps((self.trie, self.values,
                                         {page: indices.tobytes() for page, indices in self.reads.items()},
                                         {page: (source, tuple(map(tuple, found)))
                                          for page, (source, found) in self.links.items()}))
        except ValueError:  # a path holds an object marshal cannot write
            return b"P" + pickle.dumps((self.trie, self.values, self.reads, self.links),
                                       protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def loads(cls, data: bytes) -> DepGraph:
        """A graph from dumps()'s bytes."""
        if data[:1] == b"P":
            trie, values, reads, links = pickle.loads(data[1:])
            return cls(trie, values, reads, links=links)
        if data[:1] != b"M":
            raise ValueError("not a dependency graph")
        trie, values, reads, links = marshal.loads(data[1:])
        graph = cls(trie, values, links={page: (source, tuple(ProseLink(*link) for link in found))
                                         for page, (source, found) in links.items()})
        for page, raw in reads.items():
            graph.reads[page] = indices = array("I")
            indices.frombytes(raw)
        return graph

    def drop(self, pages: Iterable[str]) -> None:
        """Forget these pages (they no longer exist)."""
        for page in pages:
            self.reads.pop(page, None)
            self.links.pop(page, None)
