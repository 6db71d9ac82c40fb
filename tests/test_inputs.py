"""Reading inputs safely (featuresite/files.py): nothing outside the content folder is read or published, no
input hangs the build or reads without bound, and each such input is a located content error.

Each hostile input is laid into a site that built before: the build must exit 1 with the exact message, no
traceback, and leave the previous site byte for byte as it was. The fixtures are real (symbolic links,
named pipes, sockets, folders without permissions); as root, permissions are made to apply by dropping
root's power to override them from this thread for the block (without_root_powers).
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, PROJECT
from featuresite.cache import fingerprint
from featuresite.files import InputError, files_below, read_input
from featuresite.serve import _scan
from featuresite.svgcheck import svg_problems

SHARE_PNG = (PROJECT / "content/media/share.png").read_bytes()
SEE = 'see "Files the build reads" in docs/content.md'


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def deadline(seconds: float = 20):
    """Fail (rather than hang the suite) if the block takes longer than this: a blocked open() is interrupted."""
    def expire(signum, frame):
        raise _Timeout(f"still running after {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


_DAC_OVERRIDE, _DAC_READ_SEARCH = 1 << 1, 1 << 2  # the capabilities that let root ignore permissions


@contextlib.contextmanager
def without_root_powers():
    """File permissions apply within the block, also as root: CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH leave
    this thread's effective set (they stay permitted, and come back at the end)."""
    if os.geteuid() != 0:
        yield
        return
    if not sys.platform.startswith("linux"):
        pytest.skip("root can read everything here, and dropping that needs Linux capabilities")
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()  # _LINUX_CAPABILITY_VERSION_3
    assert libc.capget(ctypes.byref(header), data) == 0, os.strerror(ctypes.get_errno())
    saved = data[0].effective
    data[0].effective &= ~(_DAC_OVERRIDE | _DAC_READ_SEARCH)
    assert libc.capset(ctypes.byref(header), data) == 0, os.strerror(ctypes.get_errno())
    try:
        yield
    finally:
        data[0].effective = saved
        assert libc.capset(ctypes.byref(header), data) == 0


@pytest.fixture
def site(tmp_path, run_cli):
    """The minimal site with an image in media/, in tmp_path/content, built into tmp_path/site (the working
    folder is tmp_path). Returns build(*extra args, command="build") -> (exit status, error lines, stderr),
    which checks that no traceback was printed and, when the build fails, that the site is as it was."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "minimal", content)
    (content / "media").mkdir()
    (content / "media/share.png").write_bytes(SHARE_PNG)
    assert run_cli(["build", "--content", "content", "--out", "site"], cwd=tmp_path).code == 0
    before = _tree(tmp_path / "site")

    def build(*extra: str, command: str = "build"):
        args = [command, "--content", "content"] + (["--out", "site"] if command == "build" else []) + list(extra)
        with deadline():
            result = run_cli(args, cwd=tmp_path)
        assert "Traceback" not in result.err and "internal error" not in result.err, result.err
        if result.code != 0:
            assert _tree(tmp_path / "site") == before
        return result.code, [m for m in result.messages if ": error: " in m], result.err
    build.content = content
    build.before = before
    return build


WAYS = [(), ("--no-cache",), ("--strict",)]
"""A build with the cache (the input fingerprint reads first), without it, and strict."""


def _outside(target: str) -> str:
    return (f"symbolic link to {os.path.realpath(target)}, which is outside content/: the build reads nothing "
            "outside the folder; put a copy there instead of the link")


FIFO = "a named pipe (FIFO), not a file: the build reads only regular files; remove it"


# --- links ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("way", WAYS)
def test_links_to_files_outside_are_errors_and_nothing_is_published(site, way):
    os.symlink("/etc/passwd", site.content / "media/passwd")
    os.symlink("/proc/self/environ", site.content / "media/environ")
    os.symlink("/etc/hostname", site.content / "articles/notes.en.md")
    assert site(*way)[:2] == (1, [
        f"content/articles/notes.en.md:1:1: error: {_outside('/etc/hostname')}",
        f"content/media/environ:1:1: error: {_outside('/proc/self/environ')}",
        f"content/media/passwd:1:1: error: {_outside('/etc/passwd')}"])
    assert site(command="check")[:2] == (1, site(*way)[1])


def test_a_media_folder_linked_to_a_system_folder_writes_nothing(site, tmp_path):
    """`python build.py build` as a user runs it: exit 1, one message, not one file of the folder read."""
    shutil.rmtree(site.content / "media")
    os.symlink("/etc/ssl/certs" if os.path.isdir("/etc/ssl/certs") else "/etc", site.content / "media")
    cache = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / ".featuresite-cache").rglob("*")
             if p.is_file()}
    result = subprocess.run([sys.executable, str(PROJECT / "build.py"), "build", "--content", "content",
                             "--out", "site"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"content/media:1:1: error: {_outside(os.readlink(site.content / 'media'))}", "1 error(s), 0 warning(s)"]
    assert _tree(tmp_path / "site") == site.before
    assert cache == {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / ".featuresite-cache").rglob("*")
                     if p.is_file()}


@pytest.mark.parametrize("way", WAYS)
def test_a_link_to_dev_zero_is_an_error_not_an_endless_read(site, way):
    os.symlink("/dev/zero", site.content / "media/zero.png")
    assert site(*way)[:2] == (1, [f"content/media/zero.png:1:1: error: {_outside('/dev/zero')}"])


def test_a_link_that_stays_inside_is_followed(site, tmp_path):
    (site.content / "shared").mkdir()
    (site.content / "shared/card.png").write_bytes(SHARE_PNG + b"card")
    os.symlink("../shared/card.png", site.content / "media/card.png")
    os.symlink("../shared", site.content / "media/more")
    assert site()[:2] == (0, [])
    assert (tmp_path / "site/media/card.png").read_bytes() == SHARE_PNG + b"card"
    assert (tmp_path / "site/media/more/card.png").read_bytes() == SHARE_PNG + b"card"


def test_broken_and_looping_links(site):
    os.symlink("missing.png", site.content / "media/gone.png")
    os.symlink("..", site.content / "media/up")
    os.symlink(".", site.content / "media/here")
    media = os.path.realpath(site.content / "media")
    assert site()[:2] == (1, [
        f"content/media/gone.png:1:1: error: symbolic link to {media}/missing.png, which does not exist: "
        "remove the link",
        f"content/media/here:1:1: error: symbolic link to {media}, a folder that holds the link (a loop): "
        "remove the link",
        f"content/media/up:1:1: error: symbolic link to {os.path.dirname(media)}, a folder that holds the link "
        "(a loop): remove the link"])


# --- pipes, sockets, devices ------------------------------------------------------------------------

@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("where", ["articles/extra.en.md", "data/figures.yaml", "media/photo.jpg", "notes.txt",
                                   "strings.yaml"])
def test_a_named_pipe_anywhere_is_an_error_and_never_waited_on(site, where, way):
    os.mkfifo(site.content / where)
    assert site(*way)[:2] == (1, [f"content/{where}:1:1: error: {FIFO}"])
    assert site(command="check")[:2] == (1, [f"content/{where}:1:1: error: {FIFO}"])


def test_a_socket_and_a_device_are_errors(site, tmp_path):
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(site.content / "media/live.sock"))
        expected = ["content/media/live.sock:1:1: error: a socket, not a file: the build reads only regular "
                    "files; remove it"]
        try:
            os.mknod(site.content / "media/null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
            expected.append("content/media/null:1:1: error: a character device, not a file: the build reads "
                            "only regular files; remove it")
        except PermissionError:
            pass  # no device nodes here (a container without CAP_MKNOD): the socket stands for them
        assert site()[:2] == (1, expected)


def test_the_preview_scan_and_the_fingerprint_never_open_what_they_must_not(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(FIXTURES / "minimal", folder)
    os.mkfifo(folder / "articles/pipe.en.md")
    os.symlink("/dev/zero", folder / "zero")
    with deadline(10):
        scanned = _scan([folder])
        digests = fingerprint((folder,)).digests
    assert set(scanned) == set(digests)
    assert {str(folder / "articles/pipe.en.md"), str(folder / "zero"), str(folder / "site.yaml")} <= set(scanned)
    assert digests[str(folder / "articles/pipe.en.md")] == digests[str(folder / "zero")] == b""
    assert len(digests[str(folder / "site.yaml")]) == 16


def test_read_input_refuses_a_pipe_without_waiting(tmp_path):
    """The reader itself never blocks, even on a pipe put where the walk had found a file."""
    os.mkfifo(tmp_path / "pipe")
    with deadline(10), pytest.raises(InputError) as caught:
        read_input(tmp_path / "pipe", 100)
    assert caught.value.message == "a named pipe (FIFO), not a file: the build reads only regular files"
    (tmp_path / "big").write_bytes(b"x" * 101)
    with pytest.raises(InputError, match="file is 101 bytes, more than the 0 MB allowed"):
        read_input(tmp_path / "big", 100)
    assert read_input(tmp_path / "big", 101) == b"x" * 101


# --- permissions ------------------------------------------------------------------------------------

@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("folder", ["media", "articles", "data"])
def test_an_unreadable_folder_is_a_content_error(site, folder, way):
    (site.content / folder).chmod(0)
    try:
        with without_root_powers():
            result = site(*way)
    finally:
        (site.content / folder).chmod(0o755)
    assert result[:2] == (1, [f"content/{folder}:1:1: error: cannot read this folder (Permission denied): "
                              "make it readable"])


@pytest.mark.parametrize("rel", ["media/share.png", "articles/hello.en.md"])
def test_an_unreadable_file_is_a_content_error(site, rel):
    (site.content / rel).chmod(0)
    with without_root_powers():
        result = site("--no-cache")
    assert result[:2] == (1, [f"content/{rel}:1:1: error: cannot read the file: Permission denied"])


# --- what is not content ----------------------------------------------------------------------------

def test_editor_files_and_readmes_are_ignored(site, tmp_path):
    from featuresite.files import ignored
    assert all(ignored(name) for name in ("README", "README.md", "README.zh.md", "x.en.md~", ".x.en.md.swp"))
    assert not any(ignored(name) for name in ("readme.en.md", "READMEs.md", "my-README.md"))  # slugs, other names
    for rel in ["README.md", "articles/README.md", "data/README.txt", "media/README", "articles/hello.en.md~",
                "articles/.hello.en.md.swp", "data/#sources.yaml#"]:
        (site.content / rel).write_text("not: [content")
    code, errors, err = site()
    assert (code, errors) == (0, []), err
    assert _tree(tmp_path / "site") == site.before  # none of them published, nothing else changed
    assert site(command="check")[:2] == (0, [])


# --- size limits ------------------------------------------------------------------------------------

def _sparse(path: Path, size: int) -> None:
    """A file of this size that takes no room on disk (and must never be read)."""
    with open(path, "wb") as file:
        file.truncate(size)


@pytest.mark.parametrize("way", WAYS)
def test_files_over_their_size_limit(site, way):
    _sparse(site.content / "articles/huge.en.md", 5_000_000)
    _sparse(site.content / "data/figures.yaml", 4_000_001)
    _sparse(site.content / "media/film.mp4", 60_000_000)
    with deadline(10):
        assert site(*way)[:2] == (1, [
            f"content/articles/huge.en.md:1:1: error: file is 5 MB, more than the 4 MB allowed for an article "
            f"({SEE}): make it smaller",
            f"content/data/figures.yaml:1:1: error: file is 4,000,001 bytes, more than the 4 MB allowed for a "
            f"fact sheet ({SEE}): make it smaller",
            f"content/media/film.mp4:1:1: error: file is 60 MB, more than the 50 MB allowed for a file in media/ "
            f"({SEE}): make it smaller"])


def test_a_content_folder_over_its_total_is_not_read(site):
    for number in range(11):
        _sparse(site.content / f"media/part{number}.bin", 46_000_000)
    with deadline(10):
        assert site()[:2] == (1, [
            f"content:1:1: error: the files in this folder add up to 506.1 MB, more than the 500 MB a build "
            f"reads ({SEE}): move what the site does not need elsewhere"])


# --- SVG that could run script ----------------------------------------------------------------------

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 8 8">\n'
       '{}\n</svg>\n')
RUNS = " (an SVG opened on its own runs it on the site)"


@pytest.mark.parametrize("body, where, message", [
    ('  <circle r="4"/>\n  <script>alert(document.cookie)</script>', "3:3",
     "<script> in an SVG file: opened on its own, the SVG would run it on the site; remove the <script> element"),
    ('  <g>\n    <rect width="8" height="8" onload="alert(1)"/></g>', "3:5",
     "event-handler attribute 'onload' on <rect>: remove the attribute" + RUNS),
    ('<a xlink:href=" JavaScript:alert(1)"><circle r="4"/></a>', "2:1",
     "javascript: URL in href= of <a>: remove it, or use an http(s) or relative URL" + RUNS),
    ('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(1)"/></div>'
     '</foreignObject>', "2:1",
     "<foreignObject> in an SVG file: opened on its own, the SVG would run it on the site; remove the "
     "<foreignObject> element"),
    ('<a href="#"><set attributeName="href" to="javascript:alert(1)"/></a>', "2:13",
     "javascript: URL in to= of <set>: remove it, or use an http(s) or relative URL" + RUNS),
])
def test_an_svg_that_could_run_script_is_an_error_at_its_tag(site, tmp_path, body, where, message):
    (site.content / "media/chart.svg").write_text(SVG.format(body))
    assert site()[:2] == (1, [f"content/media/chart.svg:{where}: error: {message}"])


@pytest.mark.parametrize("name", ["embed.html", "old/page.XHTML", "chart.svgz"])
def test_a_page_of_its_own_in_media_is_an_error(site, tmp_path, name):
    """Opened directly, an HTML page (or a compressed SVG, which cannot be checked) in media/ would run its
    script on the site's origin."""
    (site.content / "media" / name).parent.mkdir(parents=True, exist_ok=True)
    (site.content / "media" / name).write_bytes(b"<script>alert(document.cookie)</script>")
    assert site()[:2] == (1, [f"content/media/{name}:1:1: error: a page of its own would be published here, and "
                              f"any script in it would run on the site's origin: publish it elsewhere and link "
                              f"to it, or make it an article"])


def test_safe_svgs_are_published_as_they_are(site, tmp_path):
    safe = SVG.format('  <a href="https://example.org/"><circle r="4" fill="url(#g)"/></a>\n'
                      '  <image href="data:image/png;base64,AAAA"/><style>circle { fill: red }</style>')
    (site.content / "media/chart.svg").write_text(safe)
    assert site()[:2] == (0, [])
    assert (tmp_path / "site/media/chart.svg").read_text() == safe
    assert svg_problems((PROJECT / "static/favicon.svg").read_bytes()) == []


def test_svg_tricks():
    assert svg_problems(b'<!DOCTYPE svg [<!ENTITY x "<script>1</script>">]><svg>&x;</svg>') == [
        (1, 27, "entity declaration <!ENTITY x> in an SVG file: markup can hide in it; remove the <!DOCTYPE> "
                "with its declarations")]
    assert svg_problems(b'<?xml-stylesheet type="text/xsl" href="t.xsl"?><svg/>') == [
        (1, 1, "<?xml-stylesheet?> in an SVG file: a stylesheet can make it a page that runs script; remove it")]
    assert svg_problems(b'<svg xmlns:h="http://www.w3.org/1999/xhtml"><h:script>1</h:script></svg>') == [
        (1, 45, "HTML element <script> in an SVG file: opened on its own, the SVG would run it on the site; "
                "remove the <script> element")]
    assert svg_problems(b'<svg><p xmlns="http://www.w3.org/1999/xhtml"/></svg>') == [
        (1, 6, "HTML element <p> in an SVG file: opened on its own, the SVG would run it on the site; remove "
               "the <p> element")]
    assert svg_problems(b"<svg><a") == [
        (1, 6, "not a well-formed SVG (XML: unclosed token): a browser would not read it as this check did; "
               "fix it or export it again")]


def test_the_walk_lists_files_in_order_with_problems_in_place(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b/1.txt").write_text("x")
    os.mkfifo(tmp_path / "a.pipe")
    os.symlink("/etc", tmp_path / "c")
    found = [(Path(item.path).relative_to(tmp_path).as_posix(), item.problem is None) for item in files_below(tmp_path)]
    assert found == [("a.pipe", False), ("b/1.txt", True), ("c", False)]
    assert list(files_below(tmp_path / "b", within=tmp_path))[0].problem is None
    assert list(files_below(tmp_path / "c", within=tmp_path))[0].problem.startswith("symbolic link to /etc,")
    assert list(files_below(tmp_path / "missing")) == []


def test_the_templates_and_static_folders_follow_the_same_rules(tmp_path):
    from featuresite.errors import ContentErrors, Diagnostics
    from featuresite.pipeline import DEFAULT_STATIC, DEFAULT_TEMPLATES, Options, check
    templates, static = tmp_path / "templates", tmp_path / "static"
    shutil.copytree(DEFAULT_TEMPLATES, templates)
    shutil.copytree(DEFAULT_STATIC, static)
    os.mkfifo(templates / "extra.html")
    os.symlink("/etc/passwd", static / "passwd.txt")
    (static / "icon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    _sparse(templates / "huge.html", 4_500_000)
    diags = Diagnostics()
    with deadline(10), pytest.raises(ContentErrors):
        check(Options(FIXTURES / "minimal", templates, static), diags)
    assert [d.format() for d in diags.sorted()] == [
        f"{static}/icon.svg:1:1: error: event-handler attribute 'onload' on <svg>: remove the attribute" + RUNS,
        f"{static}/passwd.txt:1:1: error: symbolic link to /etc/passwd, which is outside {static}/: the build reads "
        "nothing outside the folder; put a copy there instead of the link",
        f"{templates}/extra.html:1:1: error: {FIFO}",
        f"{templates}/huge.html:1:1: error: file is 4.5 MB, more than the 4 MB allowed for a template ({SEE}): "
        "make it smaller"]


def test_look_at_one_path(tmp_path):
    """For a file read before its folder is walked (site.yaml): the same verdict as the walk's."""
    from featuresite.files import look_at
    (tmp_path / "site.yaml").write_text("x")
    os.symlink("/etc/passwd", tmp_path / "strings.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    assert look_at(tmp_path / "site.yaml", tmp_path).problem is None
    assert look_at(tmp_path / "strings.yaml", tmp_path).problem.startswith("symbolic link to /etc/passwd, which is "
                                                                             "outside")
    assert look_at(tmp_path / "pipe.yaml", tmp_path).problem == FIFO
    assert look_at(tmp_path / "missing.yaml", tmp_path) is None


def test_the_documented_page_suffixes_are_the_checked_ones():
    from featuresite.svgcheck import PAGE_SUFFIXES
    docs = (PROJECT / "docs" / "content.md").read_text(encoding="utf-8")
    paragraph = docs[docs.index("For the same reason, a page of its own"):]
    paragraph = paragraph[:paragraph.index("each is an error")]
    assert sorted(re.findall(r"`(\.[a-z]+)`", paragraph)) == sorted(PAGE_SUFFIXES)
