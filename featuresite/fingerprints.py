"""What a recorded read found, as a short text (deps.py, depgraph.py): a value's fingerprint, a container's
shape, and for an object read from one content file, which file and which object of it."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

MISSING = object()
"""What a path evaluates to when a step fails (a key, attribute or item that is not there)."""
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


def origin_field(cls: type) -> str:
    """Which field of a class says where its objects come from: 'loc', 'path' (a Path) or '' for none.
    Worked out once per class."""
    how = _ORIGIN.get(cls)
    if how is None:
        fields = getattr(cls, "__dataclass_fields__", None) or {}
        how = _ORIGIN[cls] = ("loc" if "loc" in fields
                              else "path" if "path" in fields and "Path" in str(fields["path"].type) else "")
    return how


_ORIGIN: dict[type, str] = {}
"""Per class: origin_field's answer."""


def identity(obj: Any) -> str:
    """Which object of its file an object read from one file is: the file, and where in it."""
    here = placed(obj)
    return here[1] if here is not None else "None"


def placed(obj: Any) -> tuple[str, str] | None:
    """For an object read from one content file (its class has an origin_field: every field of it comes from
    that file): (the file, as written; which object of the file it is, identity). None for any other."""
    how = origin_field(type(obj))
    if how == "loc":
        loc = obj.loc
        where = str(loc.path)
        return where, f"{where}:{loc.line}:{loc.col}"
    if how == "path":
        where = str(obj.path)
        return where, where
    return None
