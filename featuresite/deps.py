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

A leaf (text, number, date...) and an object read whole by its type (`read_whole`)
are recorded at their own path, with no '=' step: nothing is ever read below them.

Reads are written straight into the build's trie of paths (depgraph.DepGraph.trie):
a view holds its path's node, a read costs a lookup there, and a path's value is
fingerprinted once per build, by the first page that reads it.

Nothing here knows a content kind or a page kind: whatever a template or a helper
reads is recorded, so no list of "what pages show" is kept by hand. A rebuild
evaluates the recorded paths on the new Site (depgraph.py) and re-renders the pages
that read a path whose fingerprint differs, and those whose templates changed
(batch.template_closure).
"""
from __future__ import annotations

import types
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import is_dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from .fingerprints import MISSING, SHORT_TEXT, fingerprint, identity, origin_field, shape_of
from .schema import PartialDate

LEAF_TYPES = (str, int, float, Decimal, bytes, PurePath, PartialDate, type(None))
"""Values recorded and handed out as they are (never wrapped): they are read whole."""


class Recorder:
    """The reads of one page (or of a helper's result shared by many pages), written straight into the
    paths of the build they belong to: a trie of steps whose entries are [children, index] (the format of
    depgraph.DepGraph.trie) and, per index, the fingerprint of the value found there.

    A path has one value in a build (the Site does not change while pages render), so the first page to
    read a path fingerprints its value, and every later read of it only notes the index."""

    __slots__ = ("trie", "values", "indices", "groups", "_memo")

    def __init__(self, trie: dict | None = None, values: list[str] | None = None,
                 memo: dict[Any, tuple[Any, str]] | None = None):
        self.trie: dict = {} if trie is None else trie
        """The build's paths (shared by every recorder of one rendering)."""
        self.values: list[str] = [] if values is None else values
        """Index -> the fingerprint of the value its path has in this build."""
        self.indices: list[int] = []
        """The indices of the paths read here (a path read twice may be noted twice)."""
        self.groups: dict[int, Any] = {}
        """Reads recorded once and shared by many pages (a helper's result reused, see use), by identity:
        counted as this page's too (see finish)."""
        # Large values (article bodies, static files) can be reached by several paths: their fingerprints
        # are remembered by identity, with the value itself kept so that its id cannot be reused.
        self._memo: dict[Any, tuple[Any, str]] = {} if memo is None else memo

    def _remembered(self, key: Any, value: Any, compute: Callable[[Any], str]) -> str:
        """compute(value), remembered under key (built from id(value)) for as long as value is that object."""
        known = self._memo.get(key)
        if known is None or known[0] is not value:
            known = self._memo[key] = (value, compute(value))
        return known[1]

    def note(self, entry: list, value: Any) -> None:
        """Record that the page read `value` at the path whose trie entry this is."""
        index = entry[1]
        if index < 0:
            values = self.values
            index = entry[1] = len(values)
            kind = type(value)
            if kind is str and len(value) <= SHORT_TEXT:
                # (fingerprint(value), inlined: most reads are short texts, which are their own fingerprint)
                values.append(value if not value or value[0] > "\1" else fingerprint(value))
            elif kind in _BY_IDENTITY or (kind is str or kind is bytes):
                values.append(self._remembered(id(value), value, fingerprint))
            else:
                values.append(fingerprint(value))
        self.indices.append(index)

    def note_identity(self, entry: list, value: Any) -> None:
        """Record which object of its file a page reached (see identity), remembered by the object."""
        if entry[1] < 0:
            entry[1] = len(self.values)
            self.values.append(self._remembered(("@", id(value)), value, lambda obj: fingerprint(identity(obj))))
        self.indices.append(entry[1])

    def note_shape(self, entry: list, value: Any) -> None:
        """Record that the page read the shape of a container (see _View._shape)."""
        if entry[1] < 0:
            entry[1] = len(self.values)
            if isinstance(value, Mapping) and len(value) > 8:
                # A large mapping's keys (every article's slug) are fingerprinted once, by identity, however
                # many renderings look at them.
                self.values.append(self._remembered(("#", id(value)), value, lambda obj: fingerprint(shape_of(obj))))
            else:
                self.values.append(fingerprint(shape_of(value)))
        self.indices.append(entry[1])

    def use(self, group: Any) -> None:
        """Count reads recorded elsewhere in the same rendering (another recorder's finish(), e.g. a helper's
        whose result is reused) as this page's too."""
        self.groups[id(group)] = group

    def finish(self) -> array:
        """The indices of everything read here, its own reads and the groups it used."""
        indices = array("I", self.indices)
        for group in self.groups.values():
            indices.extend(group)
        return indices

    @property
    def reads(self) -> dict[tuple, str]:
        """Every path read here (its own reads), with its value's fingerprint (for tests and inspection)."""
        from .depgraph import paths_in  # (depgraph builds on this module)
        mine = set(self.indices)
        return {path: self.values[index] for path, index in paths_in(self.trie).items() if index in mine}


def entry(node: dict, step: Any) -> list:
    """The trie entry [children, index] for one step below node, made (with no index) if there is none."""
    found = node.get(step)
    if found is None:
        found = node[step] = [{}, -1]
    return found


def track(value: Any, recorder: Recorder, at: list | None = None) -> Any:
    """A view of value that records every read into recorder (leaves are recorded and returned as they are).
    at: the trie entry of the path value was found at (default: the root, the recorder's whole trie)."""
    if at is None:
        at = [recorder.trie, -1]
    kind = _kind_of(type(value))
    if kind is _LEAF:  # (never a view: nothing is recorded below it, its path needs no '=' step)
        recorder.note(at, value)
        return value
    if kind is ObjView and type(value) in _FILE_BOUND:
        recorder.note_identity(entry(at[0], "@"), value)
    return kind(value, at[0], recorder)


_LEAF = object()
_KIND_OF: dict[type, Any] = {}
"""How values of each type are tracked: _LEAF (a leaf, an object read whole, or a type no view knows: handed
out as it is and recorded whole) or a view class (worked out once per type: the hot path of recording)."""


def read_whole(cls: type) -> type:
    """Class decorator: objects of this class are recorded as read whole whenever a view hands one out
    (handed out as they are, not wrapped). For small objects read in full on nearly every page, such as the
    site's settings: one read instead of dozens, at the cost of precision no page would gain from."""
    cls.__read_whole__ = True
    _BY_IDENTITY.add(cls)
    return cls


_BY_IDENTITY: set[type] = set()
"""Classes whose objects' fingerprints are remembered by identity (read_whole)."""


_FILE_BOUND: set[type] = set()
"""Dataclasses whose objects are read from one file (origin): a view of one also records '@', which object
it is (identity), so that a rebuild can skip what lies below an object of an unchanged file (evaluate)."""


def _kind_of(cls: type) -> Any:
    kind = _KIND_OF.get(cls)
    if kind is None:
        kind = _KIND_OF[cls] = _kind(cls)
    return kind


def _plain(items: Iterable[Any]) -> bool:
    """Whether every item is plain data: a leaf, an object read whole, or a tuple of those. (Handed out as it
    is, such an item can hide no read: its fingerprint covers all of it.)"""
    for item in items:
        if _kind_of(type(item)) is not _LEAF and not (
                type(item) is tuple and all(_kind_of(type(part)) is _LEAF for part in item)):
            return False
    return True


def _kind(cls: type) -> Any:
    if hasattr(cls, "__read_whole__") or issubclass(cls, LEAF_TYPES):
        return _LEAF
    if issubclass(cls, Mapping):
        return MapView
    if issubclass(cls, (list, tuple)):
        return SeqView
    if is_dataclass(cls):
        if origin_field(cls):
            _FILE_BOUND.add(cls)
        return ObjView
    return _LEAF


def unwrap(value: Any) -> Any:
    """The object behind a view (its whole value recorded as read), or value itself if it is no view."""
    if isinstance(value, _View):
        return value._whole()
    return value


class _View:
    """What every view shares: the wrapped object, the trie node of its path, the recorder, and whole-value
    behaviour."""

    __slots__ = ("_raw", "_node", "_rec")

    def __init__(self, raw: Any, node: dict, recorder: Recorder):
        self._raw, self._node, self._rec = raw, node, recorder

    def _whole(self) -> Any:
        self._rec.note(entry(self._node, "="), self._raw)
        return self._raw

    def _shape(self) -> Any:
        self._rec.note_shape(entry(self._node, "#"), self._raw)
        return self._raw

    def _child(self, step: Any, value: Any) -> Any:
        return track(value, self._rec, entry(self._node, step))

    def _item(self, key: Any) -> Any:
        """A view of raw[key]; a miss is recorded (the key may come later) and raised."""
        try:
            value = self._raw[key]
        except (LookupError, TypeError):
            self._rec.note(entry(self._node, ("[", key)), MISSING)
            raise
        return self._child(("[", key), value)

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
        at = entry(self._node, name)
        try:
            value = getattr(self._raw, name)
        except AttributeError:
            self._rec.note(at, MISSING)
            raise
        kind = _KIND_OF.get(type(value))
        if kind is _LEAF:  # (track(), inlined: this is the hot path)
            self._rec.note(at, value)
            child = value
        elif type(value) is types.MethodType:
            child = _Method(self, name, value)
        else:
            child = track(value, self._rec, at)
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
            owner._rec.note(entry(owner._node, step), MISSING)
            raise
        return owner._child(step, result)


class MapView(_View):
    """A read-only view of a mapping."""

    __slots__ = ()

    def __getitem__(self, key: Any) -> Any:
        return self._item(unwrap(key))

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
            if _plain(self._raw):  # (as __iter__: a part of plain data read is recorded as the whole)
                return self._whole()[index]
            raw = self._shape()
            return [self._child(("[", i), raw[i]) for i in range(*index.indices(len(raw)))]
        return self._item(index)

    def __iter__(self) -> Iterator[Any]:
        if _plain(self._raw):
            # Plain data (slugs, pages, pairs of ids), every item read in turn: the whole sequence is what
            # was read, one path instead of one per item (a sitemap goes through every page).
            return iter(self._whole())
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
