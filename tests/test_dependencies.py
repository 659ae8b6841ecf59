"""What LabelDesk runs on: the floors that keep known flaws out, and an audit of the installed set."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
#: The longest the audit may take, in seconds: a slow or silent network skips it, never hangs CI.
AUDIT_SECONDS = 90


def _requirements() -> dict[str, Requirement]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return {Requirement(line).name: Requirement(line) for line in project["dependencies"]}


def test_h11_is_at_least_0_16_where_request_smuggling_was_fixed():
    h11 = _requirements().get("h11")
    assert h11 is not None and not h11.specifier.contains("0.15.9") and h11.specifier.contains("0.16.0")
    assert Version(metadata.version("h11")) >= Version("0.16")


def test_no_installed_dependency_has_a_known_vulnerability(tmp_path):
    """pip-audit over the installed set (this environment, made from pyproject.toml); skipped, saying
    why, when its vulnerability database (PyPI's JSON API) can't be reached or knows none of them."""
    command = [sys.executable, "-m", "pip_audit", "--local", "--skip-editable", "--format", "json"]
    command += ["--progress-spinner", "off", "--timeout", "15", "--output", str(tmp_path / "audit.json")]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=AUDIT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        pytest.skip(f"dependency audit not done: pip-audit's database didn't answer within {AUDIT_SECONDS} s")
    try:
        report = json.loads((tmp_path / "audit.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"dependency audit not done: pip-audit couldn't reach its database ({last[:200]})")
    audited = [d for d in report["dependencies"] if "skip_reason" not in d]
    if not audited:
        reason = report["dependencies"][0]["skip_reason"] if report["dependencies"] else "nothing installed"
        pytest.skip(f"dependency audit not done: its database knows none of the installed packages ({reason})")
    flawed = {
        f"{d['name']} {d['version']}": [(v["id"], v.get("fix_versions")) for v in d["vulns"]]
        for d in audited
        if d["vulns"]
    }
    assert flawed == {}


def test_every_package_of_labeldesk_is_installed():
    """The wheel (and so the bundle) holds only the packages pyproject lists: a new folder of modules
    left off the list works from a checkout and is missing from the app people install."""
    listed = set(tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    root = PYPROJECT.parent / "labeldesk"
    found = {".".join(("labeldesk", *init.parent.relative_to(root).parts)) for init in root.rglob("__init__.py")}
    assert found - listed == set()
