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
What a build's pages read is kept as a graph (depgraph.py); a rebuild
evaluates the recorded paths on the new Site and re-renders the pages that
read a path whose fingerprint differs, plus the pages whose templates changed
(batch.template_closure).
"""
from __future__ import annotations

import hashlib
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import is_dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from .schema import PartialDate

MISSING = object()
"""What a path evaluates to when a step fails (a key, attribute or item that is not there)."""
LEAF_TYPES = (str, int, float, Decimal, bytes, PurePath, PartialDate, type(None))
"""Values recorded and handed out as they are (never wrapped): they are read whole."""
SHORT_TEXT = 64
"""A value whose repr is at most this long is its own fingerprint; a longer one is digested."""


def fingerprint(value: Any) -> str:
    """A short text that differs when the value differs: a short text itself, else its repr (marked), or a
    digest of either. (repr, not hash(): it is the same in every process, and it tells 1 from 1.0 and
    Decimal('1.0') from Decimal('1').)"""
    if type(value) is str:
        if len(value) <= SHORT_TEXT and value[:1] not in ("\0", "\1"):
            return value
        text = "\1" + value
    elif value is MISSING:
        return "\0missing"
    elif type(value) is bytes:
        return "\0" + hashlib.blake2b(value, digest_size=12).hexdigest()
    else:
        text = "\1" + repr(value)
        if len(text) <= SHORT_TEXT:
            return text
    return "\0" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def shape_of(value: Any) -> Any:
    """What '#' records: a mapping's keys in order, a sequence's length."""
    return tuple(value) if isinstance(value, Mapping) else len(value)


class Recorder:
    """The reads of one page: path -> fingerprint of the value found."""

    __slots__ = ("reads", "groups", "_memo")

    def __init__(self, memo: dict[int, tuple[Any, str]] | None = None):
        self.reads: dict[tuple, str] = {}
        """Every path read, with its value's fingerprint (besides those of groups)."""
        self.groups: dict[int, dict[tuple, str]] = {}
        """Reads recorded once and shared by many pages (a helper's result reused, see use), by identity:
        counted as this page's too, without being copied into reads."""
        # Large values (article bodies, static files) are read by many pages: their fingerprints are
        # remembered by identity, with the value itself kept so that its id cannot be reused.
        self._memo: dict[Any, tuple[Any, str]] = {} if memo is None else memo

    def _remembered(self, key: Any, value: Any, compute: Callable[[Any], str]) -> str:
        """compute(value), remembered under key (built from id(value)) for as long as value is that object."""
        known = self._memo.get(key)
        if known is None or known[0] is not value:
            known = self._memo[key] = (value, compute(value))
        return known[1]

    def note(self, path: tuple, value: Any) -> None:
        """Record that the page read `value` at `path` (the first read of a path is the one kept)."""
        reads = self.reads
        if path in reads:
            return
        kind = type(value)
        if kind is str and len(value) <= SHORT_TEXT:
            # (fingerprint(value), inlined: most reads are short texts, which are their own fingerprint)
            reads[path] = value if not value or value[0] > "\1" else fingerprint(value)
        elif kind in _BY_IDENTITY or (kind is str or kind is bytes):
            reads[path] = self._remembered(id(value), value, fingerprint)
        else:
            reads[path] = fingerprint(value)

    def note_identity(self, path: tuple, value: Any) -> None:
        """Record which object of its file a page reached (see identity), remembered by the object."""
        if path not in self.reads:
            self.reads[path] = self._remembered(("@", id(value)), value, lambda obj: fingerprint(identity(obj)))

    def note_shape(self, path: tuple, value: Any) -> None:
        """Record that the page read the shape of a container (see _View._shape)."""
        if isinstance(value, Mapping) and len(value) > 8:
            # The Site is not changed while pages render: a large mapping's keys (every article's slug) are
            # fingerprinted once, by identity, however many pages look at them.
            self.reads[path] = self._remembered(("#", id(value)), value, lambda obj: fingerprint(shape_of(obj)))
        else:
            self.reads[path] = fingerprint(shape_of(value))

    def use(self, reads: dict[tuple, str]) -> None:
        """Count reads recorded elsewhere in the same build as this page's too (e.g. a helper's whose result
        is reused). They are not copied: the graph adds each such group once and refers to it from every
        page that used it (DepGraph.add). The group must not change afterwards."""
        self.groups[id(reads)] = reads


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


def _origin_field(cls: type) -> str:
    """Which field of a class says where its objects come from: 'loc', 'path' (a Path) or '' for none.
    Worked out once per class."""
    how = _ORIGIN.get(cls)
    if how is None:
        fields = getattr(cls, "__dataclass_fields__", None) or {}
        how = _ORIGIN[cls] = ("loc" if "loc" in fields
                              else "path" if "path" in fields and "Path" in str(fields["path"].type) else "")
    return how


_ORIGIN: dict[type, str] = {}
"""Per class: _origin_field's answer."""


def origin(obj: Any) -> PurePath | None:
    """The content file an object was read from, if it was read from one file alone: the `path` or `loc`
    of a parsed object (every field of it comes from that file), else None."""
    how = _origin_field(type(obj))
    if how == "loc":
        return obj.loc.path
    if how == "path":
        return obj.path
    return None


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
        if _origin_field(cls):
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

    def _item(self, key: Any) -> Any:
        """A view of raw[key]; a miss is recorded (the key may come later) and raised."""
        try:
            value = self._raw[key]
        except (LookupError, TypeError):
            self._rec.note(self._path + (("[", key),), MISSING)
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
            raw = self._shape()
            return [self._child(("[", i), raw[i]) for i in range(*index.indices(len(raw)))]
        return self._item(index)

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
