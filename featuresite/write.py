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
this tool wrote, does not copy the whole site: it stages just those files,
then writes a plan (`featuresite-plan`) into the staging folder, and only then
moves them into place, one atomic rename each, with Ctrl-C held back until it
is done. A build killed outright while moving them leaves the plan behind,
and the next build finishes it before anything else: a staging folder with
a plan goes forward, one without goes away.

The next build removes the leftovers, under the lock, before it writes.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import json
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
PLAN = "featuresite-plan"
"""In a staging folder of an incremental build: what to put in place and what to remove; written last."""
LOCK_WAIT_SECONDS = 60.0
"""How long a build waits for another build of the same output folder to finish writing it."""


def _stamp(path: Path) -> FileStamp:
    info = os.stat(path)
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


def write_file(folder: Path, rel: str, data: bytes) -> FileStamp:
    """Write data to folder/rel (making its folders); returns the file's stamp."""
    target = folder / rel
    try:
        target.write_bytes(data)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return _stamp(target)


@dataclass
class Staging:
    """A folder beside the output folder where a build writes before anything reaches the output."""

    folder: Path
    """Write here, at each file's path relative to the site."""
    stamps: dict[str, FileStamp] = field(default_factory=dict)
    """The stamp of every file written into it (record them here when writing from elsewhere)."""

    def write(self, rel: str, data: bytes) -> None:
        """Write one file of the site."""
        self.stamps[rel] = write_file(self.folder, rel, data)


def _new_staging(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    _recover_and_clean(out)
    return out.parent / f".{out.name}.{STAGING_TAG}-{os.getpid()}-{secrets.token_hex(4)}"


@contextlib.contextmanager
def replacing_site(out_dir: Path) -> Iterator[Staging]:
    """Stage a whole new site. When the block ends, the staged folder takes out_dir's place in one step;
    if it raises, the staged folder is removed and out_dir is untouched.

    The caller holds output_lock(out_dir). The stamps after the block are the site's (a rename keeps them).
    """
    out = out_dir.resolve()
    # Named before it exists, so that an interrupt at any moment after this line finds it to remove.
    staging = Staging(_new_staging(out))
    old: Path | None = None
    try:
        staging.folder.mkdir()
        os.chmod(staging.folder, 0o755)
        yield staging
        staging.write(MARKER, b"Written by featuresite; this folder is replaced on every build.\n")
        with _signals_deferred():
            old = _swap_in(staging.folder, out)
    except BaseException:
        # Before the swap: the unfinished site. After it (an interrupt held back until the swap was
        # done): the previous site, when the two folders were exchanged.
        shutil.rmtree(staging.folder, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)  # if this is interrupted, the next build finishes it


@contextlib.contextmanager
def patching_site(out_dir: Path, removed: set[str]) -> Iterator[Staging]:
    """Stage some files of a site this tool wrote (an incremental build). When the block ends, each
    replaces its counterpart in out_dir and the `removed` files go (see the module's notes); if it
    raises, nothing happens to out_dir.

    The caller holds output_lock(out_dir) and has checked that out_dir is the site it wrote.
    """
    out = out_dir.resolve()
    staging = Staging(_new_staging(out))
    try:
        staging.folder.mkdir()
        yield staging
        # The plan last, in one step: a staging folder with a plan holds every file the plan names.
        draft = staging.folder / f"{PLAN}.draft"
        draft.write_text(json.dumps({"write": sorted(staging.stamps), "remove": sorted(removed)}))
        os.replace(draft, staging.folder / PLAN)
    except BaseException:
        shutil.rmtree(staging.folder, ignore_errors=True)
        raise
    with _signals_deferred():
        _carry_out_plan(staging.folder, out)


def write_site(out_dir: Path, files: dict[str, bytes]) -> dict[str, FileStamp]:
    """Write every file under out_dir, replacing its previous content in one step; returns every file's stamp."""
    with replacing_site(out_dir) as staging:
        for rel in sorted(files):  # sorted: the write order (and any error) never depends on dict order
            staging.write(rel, files[rel])
    return staging.stamps


def _carry_out_plan(staging: Path, out: Path) -> None:
    """Move a staged patch into place and remove what it removes, then the staging folder. Repeatable:
    what an interrupted run already did is skipped."""
    plan = json.loads((staging / PLAN).read_text())
    for rel in plan["write"]:
        source, target = staging / rel, out / rel
        if source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    for rel in plan["remove"]:
        target = out / rel
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        # Folders this tool made for the page go with it once empty (never out itself).
        folder = target.parent
        while folder != out and out in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent
    shutil.rmtree(staging, ignore_errors=True)


def output_intact(out_dir: Path, stamps: dict[str, FileStamp]) -> bool:
    """True when every file a build wrote into out_dir is still there with its stamp: unchanged since.

    (Files added by hand are not looked for; the next full build removes them.)
    """
    root = str(out_dir.resolve()) + os.sep
    try:
        for rel, stamp in stamps.items():
            info = os.stat(root + rel)
            if (info.st_size, info.st_mtime_ns, info.st_ino) != stamp:
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
    """Finish or remove what a killed build left beside out_dir, if anything (taking the lock to do so)."""
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
        if (folder / PLAN).is_file() and (out / MARKER).is_file():
            _carry_out_plan(folder, out)  # an incremental build killed while moving its files into place
        shutil.rmtree(folder, ignore_errors=True)
