"""The one walker of input files, the one rule for which files are not content, and the one safe reader.

Discover, the build cache, the live preview and the static-file reader all
list input folders through here, so a file the build would not read never
triggers a rebuild, and one it reads is never missed.

Only regular files inside the folder being read are content. The walker
looks at every entry with lstat/stat before anything opens it: a symbolic
link that resolves outside the folder, a link that loops or leads nowhere, a
named pipe, a device or a socket, and a folder that cannot be listed are
yielded as problems (never followed, never opened), for the caller to report
as located errors. `read_input` reads a file without blocking and with a
size limit. docs/content.md ("Files the build reads") states the rule and
the limits.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from .errors import Diagnostics, display_path

MAX_TEXT_BYTES = 4_000_000
"""The largest article, fact sheet, site.yaml, strings.yaml or template a build reads."""
MAX_FILE_BYTES = 50_000_000
"""The largest file of any other kind (an image in content/media/, a file in static/)."""
MAX_FOLDER_BYTES = 500_000_000
"""The most that the files in one folder (content/, templates/, static/) may add up to."""
LIMITS_DOC = 'see "Files the build reads" in docs/content.md'
"""Where the limits are explained, for messages."""

_SPECIAL = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def ignored(name: str) -> bool:
    """Whether a file or folder of this name is not content: hidden (`.git`, `.DS_Store`, an editor's
    `.x.swp`), an editor's backup (`x~`) or autosave (`#x#`), or a README (`README`, `README.md`, ...;
    in capitals, so no article slug, which is lower-case, is ever taken for one)."""
    return (name.startswith(".") or name.endswith("~") or (name.startswith("#") and name.endswith("#"))
            or name.split(".", 1)[0] == "README")


class Found(NamedTuple):
    """One thing the walker found below a folder: a file the build may read, or a problem (or, from
    look_at, a folder). (A named tuple: the walker makes one per file, and a frozen dataclass is several
    times slower to make.)"""

    path: str
    """Its path: the folder as given (normalised as pathlib does) joined with the names below it."""
    info: os.stat_result | None
    """Its stat (of what a link leads to, for a file), taken before anything read it; None only for a problem
    with no stat (a folder that cannot be listed)."""
    problem: str | None = None
    """Why the build must not read it, as a message for the editor; None for a regular file it may read (or
    a folder)."""


class InputError(Exception):
    """A file that cannot be read safely; the message is for the editor."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
        """What is wrong, and what to do."""


def entries(folder: Path) -> list[os.DirEntry]:
    """The files and folders directly in a folder, by name, ignored ones left out ([] if there is no such
    folder, or it cannot be listed: files_below reports that)."""
    try:
        with os.scandir(folder) as scan:
            found = [entry for entry in scan if not ignored(entry.name)]
    except OSError:
        return []
    return sorted(found, key=lambda entry: entry.name)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def files_below(folder: Path, within: Path | None = None) -> Iterator[Found]:
    """Every file below a folder, at any depth, in name order, ignored files and folders left out, and every
    problem there (see Found). Links are followed only when they resolve inside `within` (default: the
    folder itself) and do not loop; nothing found is opened. Nothing at all if the folder does not exist."""
    root = str(Path(folder))
    boundary = os.path.realpath(within if within is not None else folder)
    found = _look(root, boundary, ())
    if found is not None and found.problem is not None:
        yield found
    elif found is not None and stat.S_ISDIR(found.info.st_mode):
        yield from _walk(root, boundary, (os.path.realpath(root),))


def look_at(path: Path, within: Path) -> Found | None:
    """What the walker makes of one path in the folder `within`: a regular file or a folder (problem None), or a
    problem (a link leading outside, a pipe, ...); None if there is nothing there. For a file read before
    the folder is walked (site.yaml)."""
    return _look(str(Path(path)), os.path.realpath(within), ())


def _look(path: str, boundary: str, walking: tuple[str, ...]) -> Found | None:
    """One entry, looked at (lstat, then stat if it is a link that may be followed), never opened."""
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            problem = _followed(path, info, boundary, walking)
            if problem is not None:
                return problem
            info = os.stat(path)
    except FileNotFoundError:
        return None  # (removed while listing)
    except OSError as exc:
        return Found(path, None, f"cannot read it ({exc.strerror or exc}): make it readable")
    return _found(path, info)


def _followed(path: str, info: os.stat_result, boundary: str, walking: tuple[str, ...]) -> Found | None:
    """The problem with a symbolic link (path, its lstat info), or None when it may be followed."""
    target = os.path.realpath(path)
    if not _inside(target, boundary):
        return Found(path, info, f"symbolic link to {target}, which is outside {display_path(Path(boundary))}/: "
                                 "the build reads nothing outside the folder; put a copy there instead of the link")
    if not os.path.exists(path):
        return Found(path, info, f"symbolic link to {target}, which does not exist: remove the link")
    if target in walking:
        return Found(path, info, f"symbolic link to {target}, a folder that holds the link (a loop): remove the link")
    return None


def _walk(folder: str, boundary: str, walking: tuple[str, ...]) -> Iterator[Found]:
    """files_below, for a folder found to be one; walking: the real paths of the folders being walked (this one
    last), to refuse a link back to one of them."""
    try:
        with os.scandir(folder) as scan:
            listed = sorted((entry for entry in scan if not ignored(entry.name)), key=_name)
    except (FileNotFoundError, NotADirectoryError):
        return  # removed or replaced meanwhile
    except OSError as exc:
        yield Found(folder, None, f"cannot read this folder ({exc.strerror or exc}): make it readable")
        return
    for entry in listed:
        path = entry.path if folder != "." else entry.name  # as str(Path(folder) / name)
        found = None
        try:
            # What the listing knows (d_type) spares a stat of each folder; a link is looked at in full.
            if entry.is_symlink():
                found = _look(path, boundary, walking)
                is_folder = found is not None and found.problem is None and stat.S_ISDIR(found.info.st_mode)
            else:
                is_folder = entry.is_dir(follow_symlinks=False)
                if not is_folder:
                    found = _found(path, entry.stat(follow_symlinks=False))
        except FileNotFoundError:
            continue  # removed while listing
        except OSError as exc:
            found, is_folder = Found(path, None, f"cannot read it ({exc.strerror or exc}): make it readable"), False
        if is_folder:
            yield from _walk(path, boundary, walking + (os.path.realpath(path),))
        elif found is not None:
            yield found


def _name(entry: os.DirEntry) -> str:
    return entry.name


def _found(path: str, info: os.stat_result) -> Found:
    """A regular file or a folder (no problem), or what else it is, as a problem."""
    if stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode):
        return Found(path, info)
    return Found(path, info, f"{_kind(info)}, not a file: the build reads only regular files; remove it")


def _kind(info: os.stat_result) -> str:
    return next((kind for test, kind in _SPECIAL if test(info.st_mode)), "not a regular file")


def megabytes(size: int) -> str:
    """A size for a message: '4 MB', '12.5 MB'."""
    return f"{size / 1_000_000:.1f}".removesuffix(".0") + " MB"


def too_big(size: int, limit: int, what: str) -> str:
    """The message for a file over its size limit (what: 'an article', 'a file in media/'...)."""
    shown = megabytes(size) if megabytes(size) != megabytes(limit) else f"{size:,} bytes"
    return f"file is {shown}, more than the {megabytes(limit)} allowed for {what} ({LIMITS_DOC}): make it smaller"


def read_input(path: str | Path, limit: int, what: str = "a file") -> bytes:
    """A regular file's bytes, at most limit of them. Raises InputError (with a message for the editor) for
    anything else: no such file, no permission, not a regular file, over the limit.

    Never blocks: the path is looked at (stat) before it is opened, opened with O_NONBLOCK (a pipe put there
    meanwhile is then refused, not waited on), and checked again once open.
    """
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{_kind(info)}, not a file: the build reads only regular files")
        if info.st_size > limit:
            raise InputError(too_big(info.st_size, limit, what))
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise InputError(f"{_kind(info)}, not a file: the build reads only regular files")
            with os.fdopen(fd, "rb", buffering=0, closefd=False) as file:
                # As much as the file holds, and a byte more to see it grew (never a buffer of the limit's size).
                data = file.read(min(info.st_size, limit) + 1)
                if len(data) > info.st_size:
                    data += file.read(limit + 1 - len(data))
        finally:
            os.close(fd)
    except OSError as exc:  # removed since it was found, no permission
        raise InputError(f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > limit:  # it grew since stat
        raise InputError(too_big(len(data), limit, what))
    return data


def report(found: Found, diags: Diagnostics) -> bool:
    """Report the thing found as a located error if it is a problem; True if it was one."""
    if found.problem is not None:
        diags.error(Path(found.path), 1, 1, found.problem)
        return True
    return False


def check_total(folder: Path, total: int, diags: Diagnostics) -> None:
    """Report a folder whose files add up to more than MAX_FOLDER_BYTES."""
    if total > MAX_FOLDER_BYTES:
        diags.error(folder, 1, 1, f"the files in this folder add up to {megabytes(total)}, more than the "
                    f"{megabytes(MAX_FOLDER_BYTES)} a build reads ({LIMITS_DOC}): move what the site does not "
                    "need elsewhere")


def listing(folder: Path, diags: Diagnostics, within: Path | None = None, quiet: bool = False) -> list[Found]:
    """The files below a folder that the build may read (files_below), each problem reported, and [] when they
    add up to more than MAX_FOLDER_BYTES (reported too). quiet: report nothing (a walk of a folder around
    this one, discover's of content/, reports it all)."""
    listed = []
    for found in files_below(folder, within):
        if found.problem is None:
            listed.append(found)
        elif not quiet:
            report(found, diags)
    total = sum(found.info.st_size for found in listed)
    if not quiet:
        check_total(folder, total, diags)
    return listed if total <= MAX_FOLDER_BYTES else []


def read_folder(folder: Path, diags: Diagnostics, within: Path | None = None, quiet: bool = False
                ) -> dict[str, bytes]:
    """Every file below a folder that the build may read (listing), read (read_input, MAX_FILE_BYTES), by its
    path relative to the folder (POSIX); what cannot be read is reported instead (even when quiet: the walk
    does not open files)."""
    files, what = {}, Path(folder).name
    for found in listing(folder, diags, within, quiet):
        path = Path(found.path)
        try:
            files[path.relative_to(folder).as_posix()] = read_input(path, MAX_FILE_BYTES, f"a file in {what}/")
        except InputError as exc:
            diags.error(path, 1, 1, exc.message)
    return files


def check_folder(folder: Path, diags: Diagnostics, limit: int, what: str) -> None:
    """Look at a folder that another program reads (the templates, read by Jinja) without reading it: its
    problems, each file's size (at most limit; what: 'a template') and their total, reported."""
    for found in listing(folder, diags):
        if found.info.st_size > limit:
            diags.error(Path(found.path), 1, 1, too_big(found.info.st_size, limit, what))
