"""The dependency graph: what every page of a build read, and which pages a change makes stale.

Paths and fingerprints are those of deps.py. A rebuild evaluates every
recorded path on the new Site (`evaluate`, walking shared prefixes once and
skipping what an unchanged file gave), and the pages that read a path whose
value differs are stale (`DepGraph.stale`).
"""
from __future__ import annotations

import marshal
import pickle
from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from .deps import MISSING, fingerprint, identity, origin, shape_of


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
            try:
                value = _apply(obj, step)
            except Exception:  # a key, attribute or item no longer there; a method that now fails
                value = MISSING
            if index >= 0:
                found[index] = fingerprint(value)
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

    paths: dict[tuple, int] = field(default_factory=dict)
    """Every path any page read -> its index."""
    values: list[str] = field(default_factory=list)
    """Index -> the fingerprint of the value the path had."""
    reads: dict[str, array] = field(default_factory=dict)
    """Page output path -> the indices of the paths it read."""
    trie: dict | None = None
    """The paths as a trie (step -> [children, index or -1]), for evaluating them all at once; made when
    first needed (a rebuild), kept while no new path comes, so that a series of rebuilds makes it once."""

    def add(self, page: str, reads: Mapping[tuple, str]) -> None:
        """Record (or replace) one page's reads."""
        paths, values = self.paths, self.values
        indices = array("I")
        for path, value in reads.items():
            index = paths.get(path)
            if index is None:
                index = paths[path] = len(values)
                values.append(value)
                self.trie = None
            else:
                values[index] = value  # (over an older value, from a page now stale)
            indices.append(index)
        self.reads[page] = indices

    def merge(self, other: DepGraph) -> None:
        """Add another graph's pages (e.g. a render worker's), its values over this one's."""
        paths, values = self.paths, self.values
        remap = array("I", bytes(4 * len(other.values)))
        for path, index in other.paths.items():
            mine = paths.get(path)
            if mine is None:
                mine = paths[path] = len(values)
                values.append(other.values[index])
                self.trie = None
            else:
                values[mine] = other.values[index]
            remap[index] = mine
        for page, indices in other.reads.items():
            self.reads[page] = array("I", [remap[i] for i in indices])

    def _trie(self) -> dict:
        if self.trie is None:
            trie: dict = {}
            for path, index in self.paths.items():
                node, entry = trie, None
                for step in path:
                    entry = node.get(step)
                    if entry is None:
                        entry = node[step] = [{}, -1]
                    node = entry[0]
                entry[1] = index
            self.trie = trie
        return self.trie

    def stale(self, root: Any, pages: Iterable[str], settled: Callable[[PurePath], bool] | None = None
              ) -> set[str]:
        """The pages (of those given) that are not in the graph or read a path whose value in root differs;
        the graph's values become root's. settled: see evaluate."""
        now = evaluate(self._trie(), root, self.values, settled)
        changed = {i for i, (was, is_) in enumerate(zip(self.values, now)) if was != is_}
        self.values = now
        return {page for page in pages
                if page not in self.reads or (changed and not changed.isdisjoint(self.reads[page]))}

    def dumps(self) -> bytes:
        """The graph as bytes for the build cache: marshal, several times quicker than pickle both ways for
        these tuples of strings, when every path holds only such values; else pickle."""
        try:
            return b"M" + marshal.dumps((list(self.paths), self.values,
                                         {page: indices.tobytes() for page, indices in self.reads.items()}))
        except ValueError:  # a path holds an object marshal cannot write
            return b"P" + pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def loads(cls, data: bytes) -> DepGraph:
        """A graph from dumps()'s bytes (its trie is made again when needed)."""
        if data[:1] == b"P":
            graph = pickle.loads(data[1:])
            if not isinstance(graph, cls):
                raise ValueError("not a dependency graph")
            return graph
        if data[:1] != b"M":
            raise ValueError("not a dependency graph")
        paths, values, reads = marshal.loads(data[1:])
        graph = cls({path: index for index, path in enumerate(paths)}, values)
        for page, raw in reads.items():
            graph.reads[page] = indices = array("I")
            indices.frombytes(raw)
        return graph

    def drop(self, pages: Iterable[str]) -> None:
        """Forget these pages (they no longer exist)."""
        for page in pages:
            self.reads.pop(page, None)
