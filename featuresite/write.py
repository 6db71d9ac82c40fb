"""Stage 6: write the rendered site, all at once, never half-way.

Files are written into a temporary folder beside the output folder, which
then replaces the output folder in one rename: a failed build leaves the
previous site exactly as it was. A marker file identifies folders this tool
wrote, so it never replaces a folder it did not create.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .errors import UsageError

MARKER = ".featuresite"
"""File written into every output folder; its presence allows replacing the folder."""


def check_output_dir(out_dir: Path, content_dir: Path, project_dir: Path) -> None:
    """Refuse an output folder whose replacement could destroy something we did not write."""
    out = out_dir.resolve()
    protected = {Path("/").resolve(), Path.home().resolve(), content_dir.resolve(), project_dir.resolve()}
    for folder in protected:
        if out == folder or out in folder.parents:
            raise UsageError(f"refusing to write the site into {out_dir}: it is (or contains) {folder}; "
                             "choose a folder of its own, e.g. --out site")
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"--out {out_dir} exists and is not a folder")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise UsageError(f"refusing to replace {out_dir}: it is not empty and was not written by this "
                             f"tool (no {MARKER} file in it); choose another --out or empty it yourself")


def write_site(out_dir: Path, files: dict[str, bytes]) -> None:
    """Write every file under out_dir, replacing its previous content in one step."""
    out = out_dir.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        os.chmod(staging, 0o755)
        # Sorted so that the write order (and any error) never depends on dict order.
        for rel in sorted(files):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[rel])
        (staging / MARKER).write_text("Written by featuresite; this folder is replaced on every build.\n")
        if out.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rename(out, retired / "site")
            os.rename(staging, out)
            shutil.rmtree(retired)
        else:
            os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
