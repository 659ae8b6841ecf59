"""The README's commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)
    return [block.strip() for block in blocks]


def test_ci_runs_exactly_the_readme_test_command():
    test_command = next(c for c in readme_commands() if "pytest" in c)
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert test_command in ci_lines


def _apt_packages(text: str) -> set[str]:
    """The package names after every `apt-get install` in ``text`` (options and line continuations skipped)."""
    packages: set[str] = set()
    for match in re.finditer(r"apt-get install((?:[^\n]|\\\n)*)", text):
        words = match.group(1).replace("\\\n", " ").split()
        packages.update(w for w in words if not w.startswith("-") and re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", w))
    return packages


def test_readme_installs_every_system_package_ci_installs_without_sudo():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    blocks = "\n".join(readme_commands())
    assert _apt_packages(ci) <= _apt_packages(blocks)
    assert "python3-venv" in _apt_packages(blocks)
    # A machine without sudo has no sudo command: the commands themselves never start with it, and the
    # package lists are fresh before anything is installed.
    assert not re.search(r"^\s*sudo\b", blocks, flags=re.M)
    assert blocks.index("apt-get update") < blocks.index("apt-get install")


def test_readme_system_packages_come_before_the_commands_that_need_them():
    commands = readme_commands()
    first_apt = next(i for i, c in enumerate(commands) if "apt-get install" in c)
    first_venv = next(i for i, c in enumerate(commands) if "python3 -m venv" in c)
    assert first_apt < first_venv


def test_readme_commands_work_outside_an_activated_environment():
    """A bare `python ...` or `labeldesk ...` works only inside an activated venv: the README says `.venv/bin/`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    spans = re.findall(r"`([^`\n]+)`", readme) + [line for c in readme_commands() for line in c.splitlines()]
    bare = [s for s in spans if re.match(r"(python|pytest|pip|labeldesk|ruff)\s", s.strip())]
    assert bare == []


def test_readme_venv_commands_run_as_written(tmp_path):
    """The `.venv/bin/... --help` commands the README names run from the checkout, as a reader would type them."""
    import os
    import subprocess

    import pytest

    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("no .venv in the checkout (the README's commands make one)")
    env = {**os.environ, "LABELDESK_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    for command in ([".venv/bin/python", "-m", "labeldesk.emulator", "--help"], [".venv/bin/labeldesk", "--help"]):
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, (command, done.stderr[-2000:])
        assert "usage" in done.stdout.lower()
        assert not re.search(r"usage: python\b", done.stdout)  # the usage line names it as the README does


#: The scripts whose own help names the command that runs them, and how the README writes it.
SCRIPT_COMMANDS = {
    "tests/benchmarks/run.py": ".venv/bin/python tests/benchmarks/run.py",
    "packaging/make_icons.py": ".venv/bin/python packaging/make_icons.py",
    "packaging/build.py": "python3 packaging/build.py",  # (makes its own venv: no LabelDesk venv needed)
    "packaging/labeldesk.spec": "python3 packaging/build.py",
}


def test_scripts_name_their_commands_as_the_readme_does():
    """A script's --help (its docstring) is copied as often as the README: no bare `python` that only
    works inside an activated venv, or where `python` exists at all."""
    for script, command in SCRIPT_COMMANDS.items():
        text = (ROOT / script).read_text(encoding="utf-8")
        assert command in text, script
        bare = re.findall(r"(?<![\w./-])python \S+\.py", text)
        assert bare == [], script


def test_the_benchmark_help_shows_the_readme_command():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "benchmarks" / "run.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert ".venv/bin/python tests/benchmarks/run.py [--quick] [--json PATH]" in done.stdout
    assert not re.search(r"(?<![\w./-])python tests/benchmarks/run\.py", done.stdout)
