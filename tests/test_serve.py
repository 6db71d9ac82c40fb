"""The live preview in a real browser: edits show up by themselves, errors show in the tab, fixes recover."""
import signal
import shutil
import time

from browser import chromium, free_port, require_chromium, start, wait_for_http
from conftest import FIXTURES


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_serve_reloads_the_open_tab_on_save_shows_errors_and_recovers(tmp_path):
    require_chromium()
    shutil.copytree(FIXTURES / "bilingual", tmp_path / "content")
    article = tmp_path / "content/articles/harbour-opens.en.md"
    port = free_port()
    server = start(["serve", "--content", "content", "--port", str(port)], cwd=tmp_path)
    try:
        url = f"http://127.0.0.1:{port}/en/articles/harbour-opens/"
        wait_for_http(url)
        with chromium() as browser:
            page = browser.new_page()
            connections = []  # one entry each time a page's livereload socket has registered

            def watch_socket(ws):
                ws.on("framesent", lambda payload: connections.append(1) if '"info"' in str(payload) else None)
            page.on("websocket", watch_socket)

            def wait_until_live(count):
                deadline = time.monotonic() + 15
                while len(connections) < count:
                    assert time.monotonic() < deadline, "livereload never connected"
                    page.wait_for_timeout(50)
                page.wait_for_timeout(200)  # the server registers the tab after the handshake

            page.goto(url)
            wait_until_live(1)
            page.evaluate("window.notReloadedByHand = true")

            # 1. An edit appears in the open tab without anyone reloading it.
            _edit(article, "## Opening day", "## Opening day, as it happened")
            page.wait_for_function("document.body.innerText.includes('Opening day, as it happened')",
                                   timeout=15000)
            assert page.evaluate("window.notReloadedByHand === undefined")  # the page itself reloaded
            wait_until_live(2)

            # 2. Broken front matter: the tab shows the error with file and line.
            _edit(article, "title: Tidewater Harbour Observatory opens", "title: [Tidewater Harbour")
            page.wait_for_function("document.body.innerText.includes('harbour-opens.en.md:3:')", timeout=15000)
            body = page.inner_text("body")
            assert "content/articles/harbour-opens.en.md:3:8: error: YAML syntax error" in body and "error" in body
            wait_until_live(3)

            # 3. The fix brings the page back by itself.
            _edit(article, "title: [Tidewater Harbour", "title: Tidewater Harbour Observatory reopens")
            page.wait_for_function("document.querySelector('h1') && "
                                   "document.querySelector('h1').innerText.includes('reopens')", timeout=15000)
            assert "Opening day, as it happened" in page.inner_text("body")
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=15)[0]
    assert server.returncode == 0, output
    assert "Traceback" not in output
    assert "build failed" in output and "stopped" in output


def _preview(content):
    from featuresite.pipeline import Options
    from featuresite.serve import Preview
    preview = Preview(Options(content_dir=content, base_url="http://127.0.0.1:8000/"))
    preview.changes()
    preview.build_all()
    return preview


def _full_build(content):
    from featuresite.errors import Diagnostics
    from featuresite.pipeline import Options, render_site
    return render_site(Options(content_dir=content, base_url="http://127.0.0.1:8000/"), Diagnostics())[1].files


def test_incremental_rebuilds_equal_a_full_build(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "bilingual", content)
    preview = _preview(content)
    total = len(preview.files)
    steps = [
        # an edit to one article's title (shown in lists) and body
        lambda: _edit(content / "articles/ranking-climb.en.md", "## ", "## Revised: "),
        lambda: _edit(content / "articles/harbour-opens.zh.md", "title: ", "title: 新："),
        # a new article pair
        lambda: [shutil.copy(content / f"articles/ranking-climb.{lang}.md", content / f"articles/copy.{lang}.md")
                 for lang in ("zh", "en")],
        # an article removed
        lambda: (content / "articles/zh-only-note.zh.md").unlink(),
    ]
    for step in steps:
        step()
        changed = preview.changes()
        assert changed
        preview.rebuild(changed)
        assert preview.problems == []
        assert preview.last_rebuilt < total  # only the affected pages were rendered
        assert preview.files == _full_build(content)
    # a fact-sheet change renders only the pages that show what changed
    _edit(content / "data/figures.yaml", "value: 86", "value: 87")
    preview.rebuild(preview.changes())
    assert 0 < preview.last_rebuilt < total
    assert preview.files == _full_build(content)


def test_a_broken_save_keeps_the_last_good_pages_and_shows_the_error(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "minimal", content)
    preview = _preview(content)
    good = dict(preview.files)
    _edit(content / "articles/hello.en.md", "date: 2025-01-01", "date: 2025-02-30")
    preview.rebuild(preview.changes())
    assert preview.files == good
    status, kind, body = preview.response("/en/")
    assert status.startswith("500") and "hello.en.md:4:7: error: impossible date" in body.decode()
    assert preview.response("/static/style.css")[0] == "200 OK"  # assets still load
    _edit(content / "articles/hello.en.md", "date: 2025-02-30", "date: 2025-01-01")
    preview.rebuild(preview.changes())
    assert preview.response("/en/")[0] == "200 OK"


def test_served_paths_stay_inside_the_site(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "minimal", content)
    preview = _preview(content)
    for path in ("/../site.yaml", "/%2e%2e/site.yaml", "/../../etc/passwd", "/zh/../../content/site.yaml"):
        assert preview.response(path)[0].startswith("404"), path
    assert preview.response("/zh")[0].startswith("301")
    assert preview.response("/zh/")[0] == "200 OK"


def test_a_link_broken_by_an_edit_elsewhere_shows_as_an_error_and_keeps_the_last_good_pages(tmp_path):
    """An article links to another's heading; renaming that heading breaks the link on a page the preview
    does not render again: the error page names the link, and the last good pages stay until it is fixed."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "bilingual", content)
    linking = content / "articles/ranking-climb.en.md"
    linking.write_text(linking.read_text(encoding="utf-8") + "\nSee [the opening](article:harbour-opens#opening-day).\n",
                       encoding="utf-8")
    preview = _preview(content)
    assert preview.problems == []
    good = dict(preview.files)
    _edit(content / "articles/harbour-opens.en.md", "{#opening-day}", "{#the-opening}")
    preview.rebuild(preview.changes())
    status, _, body = preview.response("/en/")
    assert status.startswith("500") and "names an anchor #opening-day that en/articles/harbour-opens/index.html " \
                                       "does not have" in body.decode()
    assert preview.files == good
    _edit(content / "articles/harbour-opens.en.md", "{#the-opening}", "{#opening-day}")
    preview.rebuild(preview.changes())
    assert preview.problems == [] and preview.files == _full_build(content)
