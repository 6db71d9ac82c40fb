"""The spare: the site folder a build replaced, kept in the build cache for the next incremental build.

An incremental build (write.patching_site) makes the spare its staging
folder instead of a new one: the spare already has the site's folders (one
per page: making them is most of the cost of a new tree) and hard links to
the files that have not changed since. `prune` drops the rest; the build then
links in and writes what is missing, and swaps the folder in whole.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path


def take(spare: Path, folder: Path) -> bool:
    """Make the spare folder the staging folder (a rename: a kill from then on leaves a staging folder,
    which the next build removes); False where it cannot be (another file system): then it is dropped."""
    try:
        os.rename(spare, folder)
        return True
    except OSError:
        shutil.rmtree(spare, ignore_errors=True)
        return False


def keep_as_spare(folder: Path, spare: Path | None) -> None:
    """Keep a folder holding a site as the spare for the next incremental build, or delete it (if either
    is interrupted, the next build finishes it)."""
    if spare is not None:
        try:
            if spare.exists() or spare.is_symlink():
                shutil.rmtree(spare) if spare.is_dir() and not spare.is_symlink() else spare.unlink()
            spare.parent.mkdir(parents=True, exist_ok=True)
            os.rename(folder, spare)
            return
        except OSError:
            pass
    shutil.rmtree(folder, ignore_errors=True)


def prune(folder: Path, keep: dict[str, tuple[int, int, int]]) -> set[str]:
    """Leave in a reused site folder only the files that are the current site's own (the same file: a
    hard link made by an earlier build) and still kept, and the folders that hold any; returns the files
    left, by path relative to the folder. Every other file is unlinked: never written.

    The same inode is the same file (while the folder holds it, no other file can have its number), and
    the directory listing gives each entry's inode: nothing is stat'ed."""
    inodes = {rel: stamp[2] for rel, stamp in keep.items()}
    present: set[str] = set()

    def prune(path: str, prefix: str) -> bool:
        """Whether anything is left in the folder."""
        left = False
        with os.scandir(path) as listing:
            entries = list(listing)
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if prune(entry.path, rel + "/"):
                    left = True
                else:
                    os.rmdir(entry.path)
            elif inodes.get(rel) == entry.inode():
                present.add(rel)
                left = True
            else:
                os.unlink(entry.path)
        return left
    prune(str(folder), "")
    return present
