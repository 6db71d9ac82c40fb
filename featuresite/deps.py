"""Recorded dependencies: what each page read of the Site, so that a rebuild re-renders exactly the pages
that read something that changed.

While a page renders, its template and the helpers it calls see the Site
through a view (`track(site, recorder)`): proxies that behave like the
objects they wrap and note every value read, as a *path* from the Site
with the value's fingerprint. A path is a tuple of steps:

    'title'                         an attribute or property
    ('[', key)                      an item of a mapping or sequence
    ('(', name, args, kwargs)       a method called with these (hashable, unwrapped) arguments
    '#'                             the shape of a container: a mapping's keys in order, a sequence's length
    '='                             the whole value (compared, hashed, printed, or handed to code outside the view)

Nothing here knows a content kind or a page kind: whatever a template or a
helper reads is recorded, so no list of "what pages show" is kept by hand.
A rebuild evaluates every recorded path on the new Site (`changed_reads`)
and re-renders the pages that read a path whose fingerprint differs, plus
the pages whose templates changed (`template_closure`).
"""
from __future__ import annotations

import hashlib
import types
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, is_dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from .schema import PartialDate

MISSING = object()
"""What a path evaluates to when a step fails (a key, attribute or item that is not there)."""
LEAF_TYPES = (str, int, float, Decimal, bytes, PurePath, PartialDate, type(None))
"""Values recorded and handed out as they are (never wrapped): they are read whole."""
_SHORT = 64
"""A value whose repr is at most this long is its own fingerprint; a longer one is digested."""


def fingerprint(value: Any) -> str:
    """A short text that differs when the value differs: its repr, or a digest of it. (repr, not hash():
    it is the same in every process, and it tells 1 from 1.0 and Decimal('1.0') from Decimal('1').)"""
    if value is MISSING:
        return "\0missing"
    if type(value) is bytes:
        return "\0" + hashlib.blake2b(value, digest_size=12).hexdigest()
    text = repr(value)
    if len(text) <= _SHORT:
        return text
    return "\0" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _shape(value: Any) -> Any:
    """What '#' records: a mapping's keys in order, a sequence's length."""
    return tuple(value) if isinstance(value, Mapping) else len(value)


class Recorder:
    """The reads of one page: path -> fingerprint of the value found."""

    __slots__ = ("reads", "_memo")

    def __init__(self, memo: dict[int, tuple[Any, str]] | None = None):
        self.reads: dict[tuple, str] = {}
        """Every path read, with its value's fingerprint."""
        # Large values (article bodies, static files) are read by many pages: their fingerprints are
        # remembered by identity, with the value itself kept so that its id cannot be reused.
        self._memo = {} if memo is None else memo

    def note(self, path: tuple, value: Any) -> None:
        """Record that the page read `value` at `path` (the first read of a path is the one kept)."""
        if path in self.reads:
            return
        if type(value) in (str, bytes) and len(value) > _SHORT:
            known = self._memo.get(id(value))
            if known is None or known[0] is not value:
                known = self._memo[id(value)] = (value, fingerprint(value))
            self.reads[path] = known[1]
        else:
            self.reads[path] = fingerprint(value)

    def merge(self, reads: Mapping[tuple, str]) -> None:
        """Add reads recorded elsewhere (e.g. by a helper's set-up) to this page's."""
        for path, value in reads.items():
            self.reads.setdefault(path, value)


def track(value: Any, recorder: Recorder, path: tuple = ()) -> Any:
    """A view of value that records every read into recorder (leaves are recorded and returned as they are)."""
    if isinstance(value, LEAF_TYPES):
        recorder.note(path, value)
        return value
    if isinstance(value, Mapping):
        return MapView(value, path, recorder)
    if isinstance(value, (list, tuple)):
        return SeqView(value, path, recorder)
    if is_dataclass(value) and not isinstance(value, type):
        return ObjView(value, path, recorder)
    recorder.note(path + ("=",), value)  # anything else is read whole
    return value


def unwrap(value: Any) -> Any:
    """The object behind a view (its whole value recorded as read), or value itself if it is no view."""
    if isinstance(value, _View):
        return value._whole()
    return value


class _View:
    """What every view shares: the wrapped object, its path, the recorder, and whole-value behaviour."""

    __slots__ = ("_raw", "_path", "_rec")

    def __init__(self, raw: Any, path: tuple, recorder: Recorder):
        self._raw, self._path, self._rec = raw, path, recorder

    def _whole(self) -> Any:
        self._rec.note(self._path + ("=",), self._raw)
        return self._raw

    def _shape(self) -> Any:
        self._rec.note(self._path + ("#",), _shape(self._raw))
        return self._raw

    def _child(self, step: Any, value: Any) -> Any:
        return track(value, self._rec, self._path + (step,))

    def __eq__(self, other: Any) -> bool:
        return self._whole() == unwrap(other)

    def __ne__(self, other: Any) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._whole())

    def __str__(self) -> str:
        return str(self._whole())

    def __repr__(self) -> str:
        return repr(self._whole())


class ObjView(_View):
    """A view of a dataclass instance: attributes and properties, and methods whose calls are recorded."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # protocol probes (__html__, ...): the object's own, never content
            raise AttributeError(name)
        try:
            value = getattr(self._raw, name)
        except AttributeError:
            self._rec.note(self._path + (name,), MISSING)
            raise
        if type(value) is types.MethodType:
            return _Method(self, name, value)
        return self._child(name, value)

    def __bool__(self) -> bool:
        return True


class _Method:
    """A bound method of a viewed object: a call is a step ('(', name, args, kwargs) of the path."""

    __slots__ = ("_owner", "_name", "_method")

    def __init__(self, owner: ObjView, name: str, method: Any):
        self._owner, self._name, self._method = owner, name, method

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        owner = self._owner
        args = tuple(unwrap(a) for a in args)
        kwargs = {k: unwrap(v) for k, v in kwargs.items()}
        step = ("(", self._name, args, tuple(sorted(kwargs.items())))
        try:
            hash(step)
        except TypeError:  # arguments that cannot name a path: the object is read whole
            owner._whole()
            return self._method(*args, **kwargs)
        try:
            result = self._method(*args, **kwargs)
        except Exception:
            owner._rec.note(owner._path + (step,), MISSING)
            raise
        return owner._child(step, result)


class MapView(_View):
    """A read-only view of a mapping."""

    __slots__ = ()

    def __getitem__(self, key: Any) -> Any:
        key = unwrap(key)
        try:
            value = self._raw[key]
        except (KeyError, TypeError):
            self._rec.note(self._path + (("[", key),), MISSING)
            raise
        return self._child(("[", key), value)

    def get(self, key: Any, default: Any = None) -> Any:
        """The value of key, or default when there is none."""
        try:
            return self[key]
        except (KeyError, TypeError):
            return default

    def __iter__(self) -> Iterator[Any]:
        return iter(self._shape())

    def __len__(self) -> int:
        return len(self._shape())

    def __contains__(self, key: Any) -> bool:
        return unwrap(key) in self._shape()

    def __bool__(self) -> bool:
        return bool(self._shape())

    def keys(self) -> Iterable[Any]:
        """The keys, in order."""
        return list(self._shape())

    def values(self) -> list[Any]:
        """Views of the values, in order."""
        return [self._child(("[", key), value) for key, value in self._shape().items()]

    def items(self) -> list[tuple[Any, Any]]:
        """(key, view of value) pairs, in order."""
        return [(key, self._child(("[", key), value)) for key, value in self._shape().items()]


class SeqView(_View):
    """A read-only view of a list or tuple."""

    __slots__ = ()

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            raw = self._shape()
            return [self._child(("[", i), raw[i]) for i in range(*index.indices(len(raw)))]
        try:
            value = self._raw[index]
        except (IndexError, TypeError):
            self._rec.note(self._path + (("[", index),), MISSING)
            raise
        return self._child(("[", index), value)

    def __iter__(self) -> Iterator[Any]:
        raw = self._shape()
        return (self._child(("[", i), value) for i, value in enumerate(raw))

    def __reversed__(self) -> Iterator[Any]:
        raw = self._shape()
        return (self._child(("[", i), raw[i]) for i in range(len(raw) - 1, -1, -1))

    def __len__(self) -> int:
        return len(self._shape())

    def __bool__(self) -> bool:
        return bool(self._shape())

    def __contains__(self, item: Any) -> bool:
        return unwrap(item) in self._whole()

    def index(self, item: Any) -> int:
        """Where item first stands."""
        return self._whole().index(unwrap(item))

    def __add__(self, other: Any) -> Any:
        return self._whole() + unwrap(other)


def evaluate(paths: Mapping[tuple, int], root: Any) -> list[str]:
    """The fingerprint of every path's value in root (indexed as in paths), walking shared prefixes once."""
    trie: dict = {}
    for path, index in paths.items():
        node = trie
        for step in path[:-1]:
            entry = node.get(step)
            if entry is None:
                entry = node[step] = [{}, -1]
            node = entry[0]
        entry = node.get(path[-1]) if path else None
        if entry is None:
            node[path[-1]] = [{}, index]
        else:
            entry[1] = index
    found = [""] * (max(paths.values(), default=-1) + 1)
    missing = fingerprint(MISSING)

    def walk(obj: Any, node: dict) -> None:
        for step, (children, index) in node.items():
            try:
                value = _apply(obj, step)
            except Exception:  # a key, attribute or item no longer there; a method that now fails
                value = MISSING
            if index >= 0:
                found[index] = fingerprint(value)
            if children:
                if value is MISSING:
                    _fill(children, found, missing)
                else:
                    walk(value, children)

    walk(root, trie)
    return found


def _apply(obj: Any, step: Any) -> Any:
    """One step of a path, taken on plain objects."""
    if type(step) is str:
        if step == "#":
            return _shape(obj)
        if step == "=":
            return obj
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

    def add(self, page: str, reads: Mapping[tuple, str]) -> None:
        """Record (or replace) one page's reads."""
        paths, values = self.paths, self.values
        indices = array("I")
        for path, value in reads.items():
            index = paths.get(path)
            if index is None:
                index = paths[path] = len(values)
                values.append(value)
            else:
                values[index] = value  # the newest build's value (an older one, from a page now stale)
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
            else:
                values[mine] = other.values[index]
            remap[index] = mine
        for page, indices in other.reads.items():
            self.reads[page] = array("I", [remap[i] for i in indices])

    def stale(self, root: Any, pages: Iterable[str]) -> set[str]:
        """The pages (of those given) that are not in the graph or read a path whose value in root differs;
        the graph's values become root's."""
        now = evaluate(self.paths, root)
        changed = {i for i, (was, is_) in enumerate(zip(self.values, now)) if was != is_}
        self.values = now
        return {page for page in pages
                if page not in self.reads or (changed and not changed.isdisjoint(self.reads[page]))}

    def drop(self, pages: Iterable[str]) -> None:
        """Forget these pages (they no longer exist)."""
        for page in pages:
            self.reads.pop(page, None)
