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
from collections.abc import Callable, Iterable, Iterator, Mapping
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
    """A short text that differs when the value differs: a short text itself, else its repr (marked), or a
    digest of either. (repr, not hash(): it is the same in every process, and it tells 1 from 1.0 and
    Decimal('1.0') from Decimal('1').)"""
    if type(value) is str:
        if len(value) <= _SHORT and value[:1] not in ("\0", "\1"):
            return value
        text = "\1" + value
    elif value is MISSING:
        return "\0missing"
    elif type(value) is bytes:
        return "\0" + hashlib.blake2b(value, digest_size=12).hexdigest()
    else:
        text = "\1" + repr(value)
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
        self._memo: dict[Any, tuple[Any, str]] = {} if memo is None else memo

    def note(self, path: tuple, value: Any) -> None:
        """Record that the page read `value` at `path` (the first read of a path is the one kept)."""
        reads = self.reads
        if path in reads:
            return
        kind = type(value)
        if kind is str and len(value) <= _SHORT:
            reads[path] = fingerprint(value)
        elif kind in _BY_IDENTITY or (kind is str or kind is bytes):
            known = self._memo.get(id(value))
            if known is None or known[0] is not value:
                known = self._memo[id(value)] = (value, fingerprint(value))
            reads[path] = known[1]
        else:
            reads[path] = fingerprint(value)

    def note_identity(self, path: tuple, value: Any) -> None:
        """Record which object of its file a page reached (see identity), remembered by the object."""
        if path in self.reads:
            return
        key = ("@", id(value))  # (apart from the same object's fingerprint, remembered by id(value))
        known = self._memo.get(key)
        if known is None or known[0] is not value:
            known = self._memo[key] = (value, fingerprint(identity(value)))
        self.reads[path] = known[1]

    def note_shape(self, path: tuple, value: Any) -> None:
        """Record that the page read the shape of a container (see _shape)."""
        if isinstance(value, Mapping) and len(value) > 8:
            # The Site is not changed while pages render: a large mapping's keys (every article's slug) are
            # fingerprinted once, by identity, however many pages look at them.
            known = self._memo.get(("#", id(value)))
            if known is None or known[0] is not value:
                known = self._memo[("#", id(value))] = (value, fingerprint(_shape(value)))
            self.reads[path] = known[1]
        else:
            self.reads[path] = fingerprint(_shape(value))

    def merge(self, reads: Mapping[tuple, str]) -> None:
        """Add reads recorded elsewhere in the same build (e.g. by a helper whose result is reused): a path
        has one value in a build, so which read came first does not matter."""
        self.reads.update(reads)


def track(value: Any, recorder: Recorder, path: tuple = ()) -> Any:
    """A view of value that records every read into recorder (leaves are recorded and returned as they are)."""
    kind = _KIND_OF.get(type(value))
    if kind is None:
        kind = _KIND_OF[type(value)] = _kind(type(value))
    if kind is _LEAF:
        recorder.note(path, value)
        return value
    if kind is _WHOLE:
        recorder.note(path + ("=",), value)  # anything else is read whole
        return value
    if kind is ObjView and type(value) in _FILE_BOUND:
        recorder.note_identity(path + ("@",), value)
    return kind(value, path, recorder)


_LEAF, _WHOLE = object(), object()
_KIND_OF: dict[type, Any] = {}
"""How values of each type are tracked: _LEAF, _WHOLE or a view class (worked out once per type: this is the
hot path of rendering with a recorder)."""


def read_whole(cls: type) -> type:
    """Class decorator: objects of this class are recorded as read whole whenever a view hands one out
    (handed out as they are, not wrapped). For small objects read in full on nearly every page, such as the
    site's settings: one read instead of dozens, at the cost of precision no page would gain from."""
    cls.__read_whole__ = True
    _BY_IDENTITY.add(cls)
    return cls


_BY_IDENTITY: set[type] = set()
"""Classes whose objects' fingerprints are remembered by identity (read_whole)."""


def origin(obj: Any) -> PurePath | None:
    """The content file an object was read from, if it was read from one file alone: the `path` or `loc`
    of a parsed object (every field of it comes from that file), else None."""
    how = _ORIGIN.get(type(obj))
    if how is None:
        fields = getattr(type(obj), "__dataclass_fields__", None) or {}
        how = _ORIGIN[type(obj)] = "loc" if "loc" in fields else "path" if "path" in fields else ""
    if how == "loc":
        return obj.loc.path
    if how == "path" and isinstance(obj.path, PurePath):
        return obj.path
    return None


_ORIGIN: dict[type, str] = {}
"""Per class: which field says where its objects come from ('loc', 'path' or '' for none)."""


def identity(obj: Any) -> str:
    """Which object of its file an object read from one file is: the file, and where in it."""
    loc = getattr(obj, "loc", None)
    return f"{origin(obj)}:{loc.line}:{loc.col}" if loc is not None else str(origin(obj))


_FILE_BOUND: set[type] = set()
"""Dataclasses whose objects are read from one file (origin): a view of one also records '@', which object
it is (identity), so that a rebuild can skip what lies below an object of an unchanged file (evaluate)."""


def _kind(cls: type) -> Any:
    if hasattr(cls, "__read_whole__"):
        return _WHOLE
    if issubclass(cls, LEAF_TYPES):
        return _LEAF
    if issubclass(cls, Mapping):
        return MapView
    if issubclass(cls, (list, tuple)):
        return SeqView
    if is_dataclass(cls):
        fields = cls.__dataclass_fields__
        if "loc" in fields or ("path" in fields and "Path" in str(fields["path"].type)):
            _FILE_BOUND.add(cls)
        return ObjView
    return _WHOLE


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
        path = self._path + ("#",)
        if path not in self._rec.reads:
            self._rec.note_shape(path, self._raw)
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
    """A view of a dataclass instance: attributes and properties, and methods whose calls are recorded.

    What an attribute gave is kept in the view's own __dict__: a second read of it (templates read
    `lang.code` many times) is found there without coming back here, and was recorded by the first."""

    __slots__ = ("__dict__",)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # protocol probes (__html__, ...): the object's own, never content
            raise AttributeError(name)
        path = self._path + (name,)
        try:
            value = getattr(self._raw, name)
        except AttributeError:
            self._rec.note(path, MISSING)
            raise
        kind = _KIND_OF.get(type(value))
        if kind is _LEAF:  # (track(), inlined: this is the hot path)
            self._rec.note(path, value)
            child = value
        elif type(value) is types.MethodType:
            child = _Method(self, name, value)
        else:
            child = track(value, self._rec, path)
        self.__dict__[name] = child
        return child

    def __bool__(self) -> bool:
        return True


class _Method:
    """A bound method of a viewed object: a call is a step ('(', name, args, kwargs) of the path."""

    __slots__ = ("_owner", "_name", "_method")

    def __init__(self, owner: ObjView, name: str, method: Any):
        self._owner, self._name, self._method = owner, name, method

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        owner = self._owner
        for arg in args:
            if isinstance(arg, _View):
                args = tuple(map(unwrap, args))
                break
        if kwargs:
            kwargs = {key: unwrap(value) for key, value in kwargs.items()}
        step = ("(", self._name, args, tuple(sorted(kwargs.items())) if kwargs else ())
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
            return _shape(obj)
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

    def drop(self, pages: Iterable[str]) -> None:
        """Forget these pages (they no longer exist)."""
        for page in pages:
            self.reads.pop(page, None)
