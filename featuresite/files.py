"""The one walker of input files, and the one rule for which files are not content.

Discover, the build cache, the live preview and the static-file reader all
list input folders through here, so a file the build would not read never
triggers a rebuild, and one it reads is never missed.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path


def ignored(name: str) -> bool:
    """Whether a file or folder of this name is not content: hidden (`.git`, `.DS_Store`, an editor's
    `.x.swp`), an editor's backup (`x~`) or autosave (`#x#`)."""
    return name.startswith(".") or name.endswith("~") or (name.startswith("#") and name.endswith("#"))


def entries(folder: Path) -> list[os.DirEntry]:
    """The files and folders directly in a folder, by name, ignored ones left out ([] if there is no
    such folder)."""
    try:
        with os.scandir(folder) as scan:
            found = [entry for entry in scan if not ignored(entry.name)]
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(found, key=lambda entry: entry.name)


def files_below(folder: Path) -> Iterator[os.DirEntry]:
    """Every file below a folder, at any depth, in name order, ignored files and folders left out."""
    for entry in entries(folder):
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue  # removed while listing
        if is_dir:
            yield from files_below(Path(entry.path))
        else:
            yield entry
