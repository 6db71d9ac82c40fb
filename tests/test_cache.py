"""The build cache: never stale, and the output byte for byte a full build's.

Each scenario edits a copy of the bilingual fixture, builds it with the
cache (incrementally when the edit allows) and compares the result with a
build of the same content without any cache.
"""
from __future__ import annotations

import errno
import os
import pickle
import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, PROJECT

from featuresite import cache, pipeline, write


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path, run_cli):
    """The bilingual fixture copied to tmp_path/content and built (with the cache) into tmp_path/site."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "bilingual", content)

    def build(*extra) -> str:
        result = run_cli(["build", "--content", content, "--out", tmp_path / "site", *extra])
        assert result.code == 0, result.err
        return result.out

    def without_cache(*extra) -> dict[str, bytes]:
        fresh = tmp_path / "fresh"
        result = run_cli(["build", "--no-cache", "--content", content, "--out", fresh, *extra])
        assert result.code == 0, result.err
        tree = _tree(fresh)
        shutil.rmtree(fresh)
        return tree

    assert "built" in build()
    return content, tmp_path / "site", build, without_cache


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_cache_lives_beside_the_output_and_is_git_ignored(project):
    content, site, build, _ = project
    folder = site.parent / ".featuresite-cache" / "site"
    assert (folder / "state.pickle").is_file() and (folder / "parsed.pickle").is_file()
    assert "/.featuresite-cache/" in (Path(__file__).parent.parent / ".gitignore").read_text().splitlines()


def test_nothing_changed_writes_nothing(project):
    content, site, build, without_cache = project
    stamps = {p: p.stat().st_mtime_ns for p in site.rglob("*")}
    assert "is up to date" in build()
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*")} == stamps
    assert _tree(site) == without_cache()


def test_warnings_are_shown_again_when_nothing_changed(tmp_path, run_cli):
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "minimal", content)
    shutil.copytree(FIXTURES / "warnings" / "missing-translation", content, dirs_exist_ok=True)
    args = ["build", "--content", content, "--out", tmp_path / "site"]
    first, second = run_cli(args), run_cli(args)
    assert "is up to date" in second.out
    assert first.messages and second.messages == first.messages
    assert run_cli(args + ["--strict"]).code == 1  # --strict is another key: no cached success


@pytest.mark.parametrize("edit", ["body", "title", "date", "zh-body", "new-article", "new-translation",
                                  "removed-article", "removed-translation"])
def test_article_edits_rebuild_incrementally_and_exactly(project, edit):
    content, site, build, without_cache = project
    articles = content / "articles"
    if edit == "body":
        _edit(articles / "harbour-opens.en.md", "derelict fish market", "derelict fish hall")
    elif edit == "title":
        _edit(articles / "harbour-opens.en.md", "title: Tidewater Harbour Observatory opens",
              "title: The Tidewater Harbour Observatory opens")
    elif edit == "date":  # moves the article in every list: translations share their date
        for path in articles.glob("ranking-climb.*.md"):
            path.write_text(re.sub(r"(?m)^date: .*$", "date: 2030-01-01", path.read_text(encoding="utf-8")),
                            encoding="utf-8")
    elif edit == "zh-body":
        text = (articles / "zh-only-note.zh.md").read_text(encoding="utf-8")
        (articles / "zh-only-note.zh.md").write_text(text + "\n补充一句。\n", encoding="utf-8")
    elif edit == "new-article":
        shutil.copyfile(articles / "zh-only-note.zh.md", articles / "another-note.zh.md")
    elif edit == "new-translation":
        shutil.copyfile(articles / "zh-only-note.zh.md", articles / "zh-only-note.en.md")
    elif edit == "removed-article":
        (articles / "zh-only-note.zh.md").unlink()
    elif edit == "removed-translation":
        (articles / "ranking-climb.en.md").unlink()
    out = build()
    assert "rebuilt" in out, out  # only some pages were written
    assert _tree(site) == without_cache()
    assert "is up to date" in build()


def test_fact_sheet_edits_rebuild_incrementally_and_an_option_everything(project):
    content, site, build, without_cache = project
    _edit(content / "data" / "figures.yaml", "value: ", "value: 1")  # a fact sheet
    assert "rebuilt" in build()
    assert _tree(site) == without_cache()
    assert "built" in build("--base-url", "https://example.org/elsewhere/")  # an option
    assert _tree(site) == without_cache("--base-url", "https://example.org/elsewhere/")


def test_a_template_edit_is_seen(tmp_path, monkeypatch, project):
    content, site, build, without_cache = project
    templates = tmp_path / "templates"
    shutil.copytree(Path(__file__).parent.parent / "templates", templates)
    monkeypatch.setattr(pipeline, "DEFAULT_TEMPLATES", templates)
    monkeypatch.setattr(pipeline.Options.__init__, "__defaults__",
                        (templates,) + pipeline.Options.__init__.__defaults__[1:])
    build()
    _edit(templates / "article.html", '<div class="story-body">', '<div class="story-body" data-edited>')
    assert "rebuilt" in build()  # the article pages (the only pages that use article.html)
    assert b"data-edited" in (site / "en/articles/harbour-opens/index.html").read_bytes()
    assert _tree(site) == without_cache()


def test_a_change_that_keeps_size_and_time_is_seen(project):
    """The cache goes by the bytes, not by what the file system says about them."""
    content, site, build, without_cache = project
    article = content / "articles" / "harbour-opens.en.md"
    info = article.stat()
    _edit(article, "derelict fish market", "derelict fish marker")  # same length
    os.utime(article, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert article.stat().st_size == info.st_size and article.stat().st_mtime_ns == info.st_mtime_ns
    assert "rebuilt" in build()
    assert b"fish marker" in (site / "en/articles/harbour-opens/index.html").read_bytes()
    assert _tree(site) == without_cache()


def test_another_generator_version_does_not_use_the_cache(project, monkeypatch):
    content, site, build, without_cache = project
    _edit(content / "articles" / "harbour-opens.en.md", "derelict fish market", "derelict fish hall")
    monkeypatch.setattr(pipeline, "generator_version", lambda: "another version")
    assert "built" in build()  # everything, not "rebuilt" or "up to date"
    assert _tree(site) == without_cache()


def test_generator_version_covers_the_code_and_libraries():
    version = cache.generator_version()
    assert len(version) == 32 and version == cache.generator_version()
    assert {"jinja2", "markdown", "yaml", "babel"} <= set(cache.LIBRARIES)


def test_a_damaged_cache_is_ignored(project):
    content, site, build, without_cache = project
    folder = site.parent / ".featuresite-cache" / "site"
    for name in ("state.pickle", "parsed.pickle"):
        (folder / name).write_bytes(b"\x80\x05 not a pickle")
    _edit(content / "articles" / "harbour-opens.en.md", "derelict fish market", "derelict fish hall")
    assert "built" in build()
    assert _tree(site) == without_cache()
    shutil.rmtree(site.parent / ".featuresite-cache")  # safe to delete
    assert "built" in build()
    assert _tree(site) == without_cache()


def test_a_stale_parse_result_is_never_used(project):
    """An entry whose file digest does not match is parsed again, whatever the cache claims."""
    content, site, build, without_cache = project
    folder = site.parent / ".featuresite-cache" / "site"
    store = cache.BuildCache(folder, pickle.loads((folder / "parsed.pickle").read_bytes()))  # the key comes first
    entries = store._load_entries(folder / "parsed.pickle")
    path = next(p for p in entries if p.name == "harbour-opens.en.md")
    _edit(content / "articles" / "harbour-opens.en.md", "derelict fish market", "derelict fish hall")
    (folder / "parsed-recent.pickle").unlink(missing_ok=True)
    store._save_entries(folder / "parsed.pickle", entries)  # with the old result for the edited file
    build()
    assert b"fish hall" in (site / "en/articles/harbour-opens/index.html").read_bytes()
    assert path in entries and _tree(site) == without_cache()


def test_a_hand_edited_output_is_rebuilt(project):
    content, site, build, without_cache = project
    (site / "en/index.html").write_text("edited by hand")
    (site / "zh/timeline/index.html").unlink()
    assert "built" in build()
    assert _tree(site) == without_cache()


def _killed_at(point: str, content: Path, site: Path) -> None:
    """An incremental build in a forked child that dies at `point` as if killed (os._exit: no clean-up)."""
    pid = os.fork()
    if pid == 0:  # the child: nothing of the test's own clean-up may run here
        try:
            if point == "linking":  # part-way through the hard links
                real_link, calls = os.link, []

                def link(*args, **kwargs):
                    calls.append(1)
                    if len(calls) > 20:
                        os._exit(9)
                    return real_link(*args, **kwargs)
                os.link = link
            else:
                name = {"linked": "_carry_over", "swapped": "_swap_in"}[point]
                real = getattr(write, name)

                def then_die(*args):
                    real(*args)
                    os._exit(9)
                setattr(write, name, then_die)
            pipeline.build(pipeline.Options(content_dir=content), site, pipeline.Diagnostics())
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 9


@pytest.mark.parametrize("point", ["linking", "linked", "swapped"])
def test_an_incremental_build_killed_anywhere_leaves_the_old_or_the_new_site(project, point):
    """Killed while it links the unchanged files, once the new site is complete beside the old one, or
    once the two have traded places (the old one not yet deleted): the site is either as it was or as
    it should be, and the next build removes what was left and equals a full build."""
    content, site, build, without_cache = project
    old = _tree(site)
    _edit(content / "articles" / "harbour-opens.en.md", "derelict fish market", "derelict fish hall")
    new = without_cache()
    _killed_at(point, content, site)
    assert _tree(site) == (new if point == "swapped" else old)
    assert [p for p in site.parent.iterdir() if write.STAGING_TAG in p.name]  # left for the next build
    build()
    assert _tree(site) == new
    assert not [p for p in site.parent.iterdir() if write.STAGING_TAG in p.name or write.RETIRED_TAG in p.name]


def test_an_incremental_build_writes_only_the_changed_files_and_never_into_an_old_one(project):
    content, site, build, without_cache = project
    before = _tree(site)
    inodes = {rel: os.stat(site / rel).st_ino for rel in before}
    # Every file of the old site held open: if anything wrote into one in place, it would show here.
    held = {rel: open(site / rel, "rb") for rel in before}
    try:
        _edit(content / "articles" / "harbour-opens.en.md", "title: Tidewater Harbour Observatory opens",
              "title: The Tidewater Harbour Observatory opens")
        summary = build()
        after = _tree(site)
        assert after == without_cache()
        changed = {rel for rel in after if after[rel] != before.get(rel)}
        replaced = {rel for rel in after if os.stat(site / rel).st_ino != inodes.get(rel)}
        assert len(changed) > 1 and replaced == changed  # the rest is the very same files, hard-linked
        assert f"rebuilt {len(changed)} of {len(after) - 1} files" in summary  # - 1: the marker
        for rel, file in held.items():
            assert file.read() == before[rel], rel
    finally:
        for file in held.values():
            file.close()
    assert "is up to date" in build()


def test_an_incremental_build_copies_where_it_cannot_link(project, monkeypatch):
    content, site, build, without_cache = project
    before = {p: p.stat().st_ino for p in site.rglob("*") if p.is_file()}

    def cannot(*args, **kwargs):
        raise OSError(errno.EXDEV, "Invalid cross-device link")
    monkeypatch.setattr(os, "link", cannot)
    _edit(content / "articles" / "harbour-opens.en.md", "derelict fish market", "derelict fish hall")
    assert "rebuilt" in build()
    assert _tree(site) == without_cache()
    assert all(p.stat().st_ino != before.get(p) for p in site.rglob("*") if p.is_file())  # all copies
    assert "is up to date" in build()  # the copies' stamps were recorded


def test_an_edit_that_changes_no_page_leaves_the_site_folder_as_it_is(project):
    content, site, build, without_cache = project
    folder = site.stat().st_ino
    with open(content / "data" / "figures.yaml", "a", encoding="utf-8") as sheet:
        sheet.write("# a comment: read, but no value changes\n")
    assert "is up to date" in build()  # nothing written
    assert site.stat().st_ino == folder  # and no new folder swapped in
    assert _tree(site) == without_cache()


def test_fingerprint_reuses_a_digest_only_for_a_file_untouched_since(tmp_path):
    article = tmp_path / "a.md"
    article.write_text("one")
    first = cache.fingerprint((tmp_path,))
    path = str(article)
    # Recorded just now: the file may still be written within the same timestamp step, so it is read again.
    recent = cache.Fingerprint({path: b"recorded"}, first.stats, first.taken_ns)
    assert cache.fingerprint((tmp_path,), recent).digests[path] == first.digests[path]
    # Recorded long after its last change, and the stat still the same: the recorded digest stands.
    old = cache.Fingerprint({path: b"recorded"}, first.stats, first.taken_ns + 10 * cache.TRUST_AFTER_NS)
    assert cache.fingerprint((tmp_path,), old).digests[path] == b"recorded"
    # Any other stat (here another inode: saved by rename, as editors do) means reading it.
    moved = tmp_path / "b.md"
    moved.write_text("one")
    moved.replace(article)
    assert cache.fingerprint((tmp_path,), old).digests[path] == first.digests[path]


def test_the_replaced_site_is_reused_by_the_next_incremental_build(project):
    """The folder a build replaces is kept (in the cache) and becomes the next build's staging folder: its
    files that are still the site's stay, whatever else it holds is dropped, and nothing is written in
    place."""
    content, site, build, without_cache = project
    spare = site.parent / ".featuresite-cache" / "site" / "spare"
    titles = ["The Tidewater Harbour Observatory opens", "Tidewater's Harbour Observatory opens",
              "Tidewater Harbour Observatory is open"]
    _edit(content / "articles" / "harbour-opens.en.md", "title: Tidewater Harbour Observatory opens",
          f"title: {titles[0]}")
    build()
    assert spare.is_dir() and (spare / "index.html").is_file()  # the first site, kept
    # What a killed build or a hand may leave in the spare: a changed file, a stray one, an empty folder.
    (spare / "en" / "index.html").unlink()
    (spare / "en" / "index.html").write_text("tampered", encoding="utf-8")
    (spare / "stray.html").write_text("stray", encoding="utf-8")
    (spare / "empty" / "deeper").mkdir(parents=True)
    for before, after in zip(titles, titles[1:]):
        live = _tree(site)
        inodes = {rel: os.stat(site / rel).st_ino for rel in live}
        _edit(content / "articles" / "harbour-opens.en.md", f"title: {before}", f"title: {after}")
        assert "rebuilt" in build()
        assert _tree(site) == without_cache()  # nothing of the spare's own shows
        assert not (site / "empty").exists()
        unchanged = {rel for rel in live if _tree(site).get(rel) == live[rel]}
        assert unchanged and all(os.stat(site / rel).st_ino == inodes[rel] for rel in unchanged)
        assert _tree(spare) == live  # the site just replaced, kept for the next build
    assert "is up to date" in build()


def test_a_spare_that_cannot_be_moved_is_dropped(project, monkeypatch):
    """Where the spare cannot become the staging folder (say, the cache is on another file system), the
    build makes a new folder, as without a spare."""
    content, site, build, without_cache = project
    _edit(content / "articles" / "harbour-opens.en.md", "derelict fish market", "derelict fish hall")
    build()
    spare = site.parent / ".featuresite-cache" / "site" / "spare"
    assert spare.is_dir()
    rename = os.rename

    def refuse(source, target, *args, **kwargs):
        if Path(source) == spare:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return rename(source, target, *args, **kwargs)
    monkeypatch.setattr(os, "rename", refuse)
    _edit(content / "articles" / "harbour-opens.en.md", "derelict fish hall", "derelict fish shed")
    assert "rebuilt" in build()
    assert _tree(site) == without_cache()


def test_compiled_templates_are_written_only_once_kept(tmp_path):
    """A build compiles its templates while its content is still being checked: nothing reaches the cache
    folder until the content is known to be valid (keep), and then everything compiled so far does."""
    from featuresite.render import make_environment
    folder = tmp_path / "cache" / "templates"
    env = make_environment(PROJECT / "templates", auto_reload=False, bytecode_dir=folder)
    env.get_template("article.html")
    assert not folder.exists()
    env.bytecode_cache.keep()
    held = sorted(folder.iterdir())
    assert held  # article.html and the templates it extends and imports
    env.get_template("home.html")
    assert len(list(folder.iterdir())) > len(held)
    again = make_environment(PROJECT / "templates", auto_reload=False, bytecode_dir=folder)
    again.compile = lambda *args, **kwargs: pytest.fail("compiled again instead of read back")
    assert "article" in again.get_template("article.html").name  # read back from what was kept
