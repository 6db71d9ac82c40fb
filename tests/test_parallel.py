"""Rendering in several processes gives exactly the bytes of rendering in one."""
import sys

from conftest import FIXTURES, PROJECT

sys.path.insert(0, str(PROJECT / "benchmarks"))


def _site(content):
    from featuresite.errors import Diagnostics
    from featuresite.pipeline import Options, load_site
    diags = Diagnostics()
    site = load_site(Options(content_dir=content), diags)
    assert not diags.errors
    return site


def test_one_and_two_workers_give_identical_output(tmp_path):
    from make_corpus import write_corpus

    from featuresite.errors import Diagnostics
    from featuresite.batch import render_pages
    write_corpus(30, tmp_path / "content")
    for content in (tmp_path / "content", FIXTURES / "bilingual"):
        site = _site(content)
        one = render_pages(site, site.pages, Diagnostics(), workers=1).files
        two = render_pages(site, site.pages, Diagnostics(), workers=2, parallel_from=0).files
        three = render_pages(site, site.pages, Diagnostics(), workers=3, parallel_from=0).files
        assert list(one) == list(two) == list(three) and one == two == three
        assert len(one) == len(site.pages)  # every page rendered, once
        # Rendered through the recording view, in one process or several: the same bytes, and the
        # same record of what each page read.
        recorded = render_pages(site, site.pages, Diagnostics(), workers=1, record=True)
        forked = render_pages(site, site.pages, Diagnostics(), workers=2, parallel_from=0, record=True)
        assert recorded.files == forked.files == one
        for graph in (recorded.graph, forked.graph):
            by_index = {index: path for path, index in graph.paths.items()}
            graph.tables = {page: {by_index[i]: graph.values[i] for i in indices}
                            for page, indices in graph.reads.items()}
        assert recorded.graph.tables == forked.graph.tables and len(recorded.graph.tables) == len(site.pages)


def test_articles_read_in_workers_give_identical_output(tmp_path, run_cli, monkeypatch):
    """A first build reads many articles in forked workers; the site is the same as read in one process."""
    from make_corpus import write_corpus

    from featuresite import pipeline
    write_corpus(40, tmp_path / "content")
    trees = []
    for threshold in (1, 10**9):
        monkeypatch.setattr(pipeline, "PARALLEL_PARSE_FROM", threshold)
        out = tmp_path / f"out-{threshold}"
        result = run_cli(["build", "--no-cache", "--content", tmp_path / "content", "--out", out])
        assert result.code == 0, result.err
        trees.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert trees[0] == trees[1] and len(trees[0]) > 80


def test_forked_processes_claim_every_item_once_and_one_busy_with_other_work_claims_fewer():
    import os
    import time

    from featuresite.workers import fork_balanced
    items = list(range(400))

    def work(claims):
        taken = []
        for index, item in claims:
            assert items[index] == item
            time.sleep(0.001)
            taken.append((index, os.getpid()))
        return taken

    for workers in (2, 3):
        results = fork_balanced(work, items, workers)
        assert len(results) == workers
        assert sorted(index for taken in results for index, _ in taken) == items  # each item once
        assert results[0] and all(pid == os.getpid() for _, pid in results[0])  # the first: this process's
        assert all(taken and all(pid != os.getpid() for _, pid in taken) for taken in results[1:])
    # Work of its own first (meanwhile): this process takes fewer items, the worker the rest.
    mine, theirs = fork_balanced(work, items, 2, meanwhile=lambda: time.sleep(0.2))
    assert len(mine) < len(theirs) and len(mine) + len(theirs) == len(items)
