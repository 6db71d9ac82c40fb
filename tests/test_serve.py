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
