"""Stage 6: write the rendered site, all at once, never half-way.

Files are written into a staging folder beside the output folder, which then
takes the output folder's place in one atomic step: a failed or interrupted
build (an error, Ctrl-C, a kill) leaves the previous site exactly as it was.
A marker file identifies folders this tool wrote, so it never replaces a
folder it did not create. A lock file beside the output folder keeps two
builds from writing it at the same time.

Names beside the output folder `site/` (all hidden, all this tool's own):

    .site.lock                   the lock; kept, as deleting a lock file races with its next user
    .site.featuresite-new-XXXX   a staging folder; left behind only by a killed build
    .site.featuresite-old-XXXX   the previous site on its way out (systems without atomic exchange)

An incremental build (see cache.py), which changes a few files of a site
this tool wrote, stages a whole new site too, and swaps it in the same way:
it writes the files it rendered into the staging folder, then hard-links
every other file of the current site there (a copy where the file system
cannot link), so a kill at any instant leaves exactly the old site or
exactly the new one. A hard-linked file is the same file in both trees, so
nothing here ever opens an existing file for writing: files are only ever
created (write_file), and a file that changes is a new file in the new tree.
A linked file keeps its stamp (size, time, inode), so the build cache still
finds it as the last build left it. The folder a build replaces is kept in the
build cache and becomes the next incremental build's staging folder (spare.py),
so that the unchanged pages' folders are not made again.

The next build removes the leftovers, under the lock, before it writes.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError
from .spare import keep_as_spare, prune, take

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

MARKER = ".featuresite"
"""File written into every output folder; its presence allows replacing the folder."""
STAGING_TAG = "featuresite-new"
"""In the names of staging folders: `.site.featuresite-new-XXXX`."""
RETIRED_TAG = "featuresite-old"
"""In the names of folders holding the replaced site until it is deleted."""
FileStamp = tuple[int, int, int]
"""(size, modification time in ns, inode) of a written file: a file still with its stamp is as it was written."""
LOCK_WAIT_SECONDS = 60.0
"""How long a build waits for another build of the same output folder to finish writing it."""


def _stamp(info: os.stat_result) -> FileStamp:
    """A file's stamp, from its stat result."""
    return info.st_size, info.st_mtime_ns, info.st_ino


def check_output_dir(out_dir: Path, content_dir: Path, project_dir: Path) -> None:
    """Refuse an output folder whose replacement could destroy something we did not write."""
    out = out_dir.resolve()
    protected = {Path("/").resolve(), Path.home().resolve(), content_dir.resolve(), project_dir.resolve()}
    for folder in protected:
        if out == folder or out in folder.parents:
            raise UsageError(f"refusing to write the site into {out_dir}: it is (or contains) {folder}; "
                             "choose a folder of its own, e.g. --out site")
    if content_dir.resolve() in out.parents:
        raise UsageError(f"refusing to write the site into {out_dir}: it is inside the content folder "
                         f"{content_dir}; choose a folder outside it, e.g. --out site")
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"--out {out_dir} exists and is not a folder")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise UsageError(f"refusing to replace {out_dir}: it is not empty and was not written by this "
                             f"tool (no {MARKER} file in it); choose another --out or empty it yourself")


def lock_path(out_dir: Path) -> Path:
    """The lock file of an output folder: `.site.lock` beside `site/`."""
    out = out_dir.resolve()
    return out.parent / f".{out.name}.lock"


@contextlib.contextmanager
def output_lock(out_dir: Path, wait: float | None = None,
                on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the output folder's lock (flock on its lock file) for the duration of the block.

    A second build of the same folder waits until the first has finished
    writing (on_wait is called once when it starts waiting), for at most
    `wait` seconds (default LOCK_WAIT_SECONDS), then fails with a UsageError.
    The system releases the lock when its holder exits, however it exits.
    """
    wait = LOCK_WAIT_SECONDS if wait is None else wait
    path = lock_path(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                else:
                    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                break
            except (BlockingIOError, PermissionError):  # PermissionError: msvcrt's "held by another"
                if time.monotonic() >= deadline:
                    raise UsageError(f"another build is writing {out_dir} (it holds {path}); waited "
                                     f"{wait:g} s for it to finish: try again when it is done") from None
                if on_wait is not None:
                    on_wait()
                    on_wait = None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def write_file(folder: Path, rel: str, data: bytes) -> FileStamp:
    """Write data to a new file folder/rel (making its folders); returns the file's stamp.

    Never into an existing file: in a staging folder, a file already there may
    be a hard link to a file of the live site, so it is unlinked (the live
    site's name for it stays) and a new file is made.
    """
    # os.open with O_EXCL rather than a look first: one call in the common case (no file there), and the
    # stamp from fstat of the open file rather than another lookup of its path.
    target = os.path.join(folder, rel)
    try:
        fd = os.open(target, _NEW_FILE, 0o666)
    except FileExistsError:
        os.unlink(target)
        fd = os.open(target, _NEW_FILE, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fd = os.open(target, _NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        info = os.fstat(fd)
    finally:
        os.close(fd)
    return _stamp(info)


@dataclass
class Staging:
    """A folder beside the output folder where a build writes before anything reaches the output."""

    folder: Path
    """Write here, at each file's path relative to the site."""
    stamps: dict[str, FileStamp] = field(default_factory=dict)
    """The stamp of every file written into it (record them here when writing from elsewhere)."""
    carried: dict[str, FileStamp] = field(default_factory=dict)
    """The stamp of every file carried over unchanged from the current site (an incremental build)."""

    def write(self, rel: str, data: bytes) -> None:
        """Write one file of the site."""
        self.stamps[rel] = write_file(self.folder, rel, data)


Finish = Callable[[Staging], None]
"""What completes a staged site before it is swapped in: given the staging folder with every file in it."""


def _new_staging(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    _recover_and_clean(out)
    return out.parent / f".{out.name}.{STAGING_TAG}-{os.getpid()}-{secrets.token_hex(4)}"


def replacing_site(out_dir: Path, spare: Path | None = None, finish: Finish | None = None
                   ) -> contextlib.AbstractContextManager[Staging]:
    """Stage a whole new site. When the block ends, the staged folder takes out_dir's place in one step;
    if it raises, the staged folder is removed and out_dir is untouched.

    The caller holds output_lock(out_dir). The stamps after the block are the site's (a rename keeps them).
    spare: where to keep the replaced site for the next incremental build to reuse (see patching_site);
    without one it is deleted. finish: called with the staging folder once it holds the whole new site,
    before it is swapped in (the search index, search.index_staging); what it writes is part of the site.
    """
    return _new_site(out_dir, None, True, spare, finish)


def patching_site(out_dir: Path, keep: dict[str, FileStamp], removing: bool, spare: Path | None = None,
                  finish: Finish | None = None) -> contextlib.AbstractContextManager[Staging]:
    """Stage a new site made of the files the block writes and, unchanged, the `keep` files of the
    current site that it does not write (an incremental build); then as replacing_site. Files of
    out_dir not in `keep` (removed pages, files added by hand) are not in the new site. When the block
    writes nothing and nothing is removed, out_dir stays as it is.

    keep: path -> stamp, as the last build recorded them; removing: whether the last build wrote files
    that are not in `keep`. The caller holds output_lock(out_dir) and has checked that out_dir is the
    site it wrote (output_intact). After the block, staging.stamps holds the files written,
    staging.carried those kept (see _carry_over).

    spare: a folder holding the site a previous build replaced, kept there by that build. Made into the
    staging folder, it already has the folders and (hard links to) the files that did not change since:
    only the rest is linked or written (a page per folder makes creating folders most of the cost of a
    new tree). The site it replaces is kept there in turn. finish: as for replacing_site (not called when
    the site stays as it is).
    """
    return _new_site(out_dir, keep, removing, spare, finish)


@contextlib.contextmanager
def _new_site(out_dir: Path, keep: dict[str, FileStamp] | None, removing: bool,
              spare: Path | None, finish: Finish | None = None) -> Iterator[Staging]:
    """replacing_site (keep None) and patching_site."""
    out = out_dir.resolve()
    # Named before it exists, so that an interrupt at any moment after this line finds it to remove.
    staging = Staging(_new_staging(out))
    old: Path | None = None
    present: set[str] = set()
    try:
        if keep and spare is not None and spare.is_dir() and not spare.is_symlink() and take(spare, staging.folder):
            present = prune(staging.folder, keep)
        else:
            staging.folder.mkdir()
        os.chmod(staging.folder, 0o755)
        yield staging
        if keep is not None and not staging.stamps and not removing:
            staging.carried = dict(keep)  # the site as it is: no new folder to swap in
            keep_as_spare(staging.folder, spare)
            return
        # After the block: what it wrote is never replaced by a link to the old file.
        if keep:
            _carry_over(out, staging, keep, present)
        if finish is not None:
            finish(staging)
        if MARKER not in staging.carried:
            staging.write(MARKER, b"Written by featuresite; this folder is replaced on every build.\n")
        with _signals_deferred():
            old = _swap_in(staging.folder, out)
    except BaseException:
        # Before the swap: the unfinished site. After it (an interrupt held back until the swap was
        # done): the previous site, when the two folders were exchanged.
        shutil.rmtree(staging.folder, ignore_errors=True)
        raise
    if old is not None:
        keep_as_spare(old, spare)


_CANNOT_LINK = frozenset({errno.EXDEV, errno.EPERM, errno.EACCES, errno.EMLINK, errno.ENOSYS, errno.EINVAL,
                          errno.EOPNOTSUPP, errno.ENOTSUP})
"""What os.link fails with where the file system (or this file) allows no further hard link."""


def _carry_over(out: Path, staging: Staging, keep: dict[str, FileStamp], present: set[str]) -> None:
    """Put each `keep` file of out that staging does not hold into staging, at the same path: a hard link
    (the same file, so its stamp is the one recorded), or, where no link can be made, a copy (a new stamp).
    present: the files staging already holds as the same files (spare.prune)."""
    source_root, target_root = str(out) + os.sep, str(staging.folder) + os.sep
    made = {""}  # folders known to exist in staging
    linking = True
    for rel, stamp in keep.items():
        if rel in staging.stamps:
            continue
        if rel in present:
            staging.carried[rel] = stamp
            continue
        folder = rel.rpartition("/")[0]
        if folder not in made:
            os.makedirs(target_root + folder, exist_ok=True)
            made.add(folder)
        source, target = source_root + rel, target_root + rel
        if linking:
            try:
                os.link(source, target, follow_symlinks=False)
                staging.carried[rel] = stamp
                continue
            except OSError as exc:
                if exc.errno not in _CANNOT_LINK:
                    raise
                linking = exc.errno == errno.EMLINK  # too many links to this file only: try the next
        shutil.copy2(source, target, follow_symlinks=False)  # a new file: the source is only read
        staging.carried[rel] = _stamp(os.stat(target))


def write_site(out_dir: Path, files: dict[str, bytes], finish: Finish | None = None) -> dict[str, FileStamp]:
    """Write every file under out_dir, replacing its previous content in one step (finish: as for
    replacing_site); returns every file's stamp."""
    with replacing_site(out_dir, finish=finish) as staging:
        for rel in sorted(files):  # sorted: the write order (and any error) never depends on dict order
            staging.write(rel, files[rel])
    return staging.stamps


def output_intact(out_dir: Path, stamps: dict[str, FileStamp]) -> bool:
    """True when every file a build wrote into out_dir is still there with its stamp: unchanged since.

    (Files added by hand are not looked for; the next build that writes anything leaves them out.)
    """
    root = str(out_dir.resolve()) + os.sep
    try:
        for rel, stamp in stamps.items():
            info = os.stat(root + rel)
            if _stamp(info) != stamp:
                return False
    except OSError:
        return False
    return True


def _swap_in(staging: Path, out: Path) -> Path | None:
    """Put staging in out's place; returns the folder now holding the previous site (None if there was none)."""
    if not out.exists():
        os.rename(staging, out)
        return None
    if _exchange(staging, out):
        return staging  # the two folders traded places: staging now holds the previous site
    # No atomic exchange here: two renames, with the previous site kept whole in
    # between, so that an interrupted build can be undone (see _recover_and_clean).
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.{RETIRED_TAG}-", dir=out.parent))
    os.rename(out, retired / "site")
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(retired / "site", out)
        raise
    return retired


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux renameat2 with RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library without it (old glibc, musl before 1.2.4?)
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # the kernel or this file system cannot exchange: fall back to two renames
    raise OSError(code, os.strerror(code), str(b))


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold back SIGINT and SIGTERM during the block: a Ctrl-C lands before or after the swap, never inside."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:
        yield
        return
    previous = mask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, previous)


def recover(out_dir: Path, on_wait: Callable[[], None] | None = None) -> None:
    """Put back or remove what a killed build left beside out_dir, if anything (taking the lock to do so)."""
    out = out_dir.resolve()
    prefixes = (f".{out.name}.{STAGING_TAG}-", f".{out.name}.{RETIRED_TAG}-")
    try:
        names = os.listdir(out.parent)
    except OSError:
        return
    if any(name.startswith(prefixes) for name in names):
        with output_lock(out_dir, on_wait=on_wait):
            _recover_and_clean(out)


def _recover_and_clean(out: Path) -> None:
    """Undo what a killed build left beside out: restore a previous site caught between two renames,
    then remove staging and retired folders. Called under the lock, so none of them is in use."""
    prefixes = (f".{out.name}.{STAGING_TAG}-", f".{out.name}.{RETIRED_TAG}-")
    leftovers = sorted(p for p in out.parent.iterdir()
                       if p.name.startswith(prefixes) and p.is_dir() and not p.is_symlink())
    if not out.exists():
        for folder in leftovers:
            kept = folder / "site"
            if folder.name.startswith(f".{out.name}.{RETIRED_TAG}-") and (kept / MARKER).is_file():
                os.rename(kept, out)
                break
    for folder in leftovers:
        shutil.rmtree(folder, ignore_errors=True)
