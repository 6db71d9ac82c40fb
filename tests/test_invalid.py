"""Invalid fixtures: each is the minimal site with some files replaced, and fails with its exact messages.

tests/fixtures/invalid/<name>/ holds the files that replace (or add to) the
minimal site's, and expected.txt: every error line `check` must print, in order.
"""
import shutil
import subprocess
import sys

import pytest

from conftest import FIXTURES, PROJECT, overlay

INVALID = sorted(p for p in (FIXTURES / "invalid").iterdir() if p.is_dir())


@pytest.mark.parametrize("fixture", INVALID, ids=[p.name for p in INVALID])
def test_invalid_fixture_fails_check_with_its_exact_messages(fixture, tmp_path, run_cli):
    site = overlay(fixture, tmp_path / "site-src")
    result = run_cli(["check", "--content", "."], cwd=site)
    expected = (fixture / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert result.code == 1, result.err
    assert [m for m in result.messages if ": error: " in m] == expected
    assert "Traceback" not in result.err


@pytest.mark.parametrize("fixture", INVALID[:3], ids=[p.name for p in INVALID[:3]])
def test_invalid_build_writes_nothing(fixture, tmp_path, run_cli):
    site = overlay(fixture, tmp_path / "site-src")
    result = run_cli(["build", "--content", ".", "--out", str(tmp_path / "out")], cwd=site)
    assert result.code == 1
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["site-src"]  # no staging folder left behind


def test_failed_build_keeps_the_previous_site(tmp_path, run_cli):
    out = tmp_path / "out"
    shutil.copytree(FIXTURES / "minimal", tmp_path / "good")
    assert run_cli(["build", "--content", tmp_path / "good", "--out", out]).code == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    bad = overlay(FIXTURES / "invalid" / "unknown-key", tmp_path / "bad")
    assert run_cli(["build", "--content", bad, "--out", out]).code == 1
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_real_process_prints_no_traceback_and_exits_1(tmp_path):
    site = overlay(FIXTURES / "invalid" / "several-errors", tmp_path / "s")
    proc = subprocess.run([sys.executable, str(PROJECT / "build.py"), "check", "--content", "."],
                          cwd=site, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-1] == "3 error(s), 0 warning(s)"


def test_usage_errors_exit_2(tmp_path, run_cli):
    assert run_cli(["check", "--content", tmp_path / "missing"]).code == 2
    with pytest.raises(SystemExit) as exc:
        run_cli(["build", "--no-such-option"])
    assert exc.value.code == 2
    minimal = FIXTURES / "minimal"
    result = run_cli(["build", "--content", minimal, "--base-url", "not a url", "--out", tmp_path / "o"])
    assert result.code == 2 and "--base-url" in result.err


def test_refuses_to_replace_a_folder_it_did_not_write(tmp_path, run_cli):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.txt").write_text("do not delete")
    result = run_cli(["build", "--content", FIXTURES / "minimal", "--out", out])
    assert result.code == 2
    assert "not written by this tool" in result.err
    assert (out / "thesis.txt").read_text() == "do not delete"


def test_refuses_the_content_folder_as_output(tmp_path, run_cli):
    shutil.copytree(FIXTURES / "minimal", tmp_path / "c")
    for out in (tmp_path / "c", tmp_path):
        result = run_cli(["build", "--content", tmp_path / "c", "--out", out])
        assert result.code == 2, out
    assert (tmp_path / "c" / "site.yaml").is_file()


def test_template_error_names_the_template_line(tmp_path, run_cli, monkeypatch):
    from featuresite import pipeline
    from featuresite.errors import ContentErrors, Diagnostics

    templates = tmp_path / "templates"
    shutil.copytree(PROJECT / "templates", templates)
    home = templates / "home.html"
    lines = home.read_text().splitlines()
    lines.insert(3, "<p>{{ t('no_such_string') }}</p>")
    home.write_text("\n".join(lines) + "\n")
    diags = Diagnostics()
    options = pipeline.Options(content_dir=FIXTURES / "minimal", templates_dir=templates)
    with pytest.raises(ContentErrors):
        pipeline.check(options, diags)
    messages = [d.format() for d in diags.errors]
    assert len(messages) == 1
    assert messages[0].startswith(f"{home}:4:1: error: template error: unknown UI string 'no_such_string'")
