"""The reader-side checkers catch what they are there to catch: each property broken on purpose fails.

A minimal site is built with one template sabotaged (an <img> without alt, a
dead link, an unclosed tag, a script error, a missing image, a too-wide box);
the same functions the suite runs on the real site must report each fault, and
nothing on the same site built without sabotage.
"""
import shutil

import pytest

from browser import free_port, sideways_scroll, visit
from checkers import axe_violations, require_tools, serve_folder, vnu_errors
from conftest import FIXTURES, PROJECT
from sitecheck import broken_links

SABOTAGE = {
    "img-without-alt": '<img src="{{ static_url(\'style.css\') }}" width="10" height="10">',
    "dead-link": '<a href="{{ url_for(\'home\') }}no-such-page/">dead</a>',
    "unclosed-tag": "<section><div><p>unclosed</section>",
    "script-error": "<script>throw new Error('sabotage')</script>",
    "missing-image": '<img src="{{ config.base_path }}static/no-such.png" alt="">',
    "too-wide": '<div style="width: 3000px">wide</div>',
}


def _build(tmp_path, extra: str):
    from featuresite.errors import Diagnostics
    from featuresite.pipeline import Options, build
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT / "templates", templates)
    home = templates / "home.html"
    home.write_text(home.read_text().replace("{% block main %}", "{% block main %}\n" + extra, 1))
    out = tmp_path / "out"
    port = free_port()
    options = Options(content_dir=FIXTURES / "minimal", templates_dir=templates,
                      base_url=f"http://127.0.0.1:{port}/feature/")
    build(options, out, Diagnostics())
    return out, port


@pytest.mark.parametrize("fault", [None, *SABOTAGE], ids=["clean", *SABOTAGE])
def test_each_fault_is_caught_and_a_clean_page_passes(fault, tmp_path, browser):
    require_tools()
    out, port = _build(tmp_path, SABOTAGE.get(fault, ""))
    base = f"http://127.0.0.1:{port}/feature/"
    with serve_folder(out, "/feature/", port):
        page, problems = visit(browser, base + "en/", 375)
        found = {
            "img-without-alt": any("image-alt" in v for v in axe_violations(page)),
            "dead-link": any("no-such-page" in b for b in broken_links(out, base)),
            "unclosed-tag": any("Unclosed element" in e or "div" in e for e in vnu_errors(out / "en")),
            "script-error": any("sabotage" in p for p in problems),
            "missing-image": any("no-such.png" in p for p in problems),
            "too-wide": sideways_scroll(page) > 0,
        }
        page.close()
    assert [name for name, hit in found.items() if hit] == ([fault] if fault else [])
