"""The Linux install and uninstall scripts, on a stand-in bundle, in temporary per-user folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux scripts")


@pytest.fixture
def fake_bundle(tmp_path):
    bundle = tmp_path / "download" / "LabelDesk"
    resources = bundle / "_internal" / "labeldesk" / "resources"
    resources.mkdir(parents=True)
    program = bundle / "LabelDesk"
    program.write_text("#!/bin/sh\necho labeldesk $@\n")
    program.chmod(0o755)
    for name in ("labeldesk.svg", "labeldesk-48.png", "labeldesk-256.png"):
        shutil.copy(ROOT / "resources" / name, resources / name)
    for name in ("labeldesk.desktop", "install-linux.sh", "uninstall-linux.sh"):
        shutil.copy2(ROOT / "packaging" / name, bundle / name)
    return bundle


def run(script: Path, env: dict[str, str], *args: str) -> str:
    return subprocess.run([str(script), *args], env=env, capture_output=True, text=True, check=True).stdout


def test_install_puts_app_icon_and_menu_entry_in_the_users_folders_and_uninstall_removes_them(fake_bundle, tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share")}
    out = run(fake_bundle / "install-linux.sh", env)
    data = home / ".local/share"
    app = data / "labeldesk/app/LabelDesk"
    assert "installed" in out and os.access(app, os.X_OK)
    entry = (data / "applications/labeldesk.desktop").read_text()
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    assert exec_line == f'Exec="{app}" %U'
    assert "Icon=labeldesk" in entry and "Terminal=false" in entry
    assert (data / "icons/hicolor/256x256/apps/labeldesk.png").exists()
    assert (data / "icons/hicolor/scalable/apps/labeldesk.svg").exists()
    # The Exec line runs the installed program.
    command = exec_line.removeprefix("Exec=").replace(" %U", "").strip('"')
    assert subprocess.run([command, "--version"], capture_output=True, text=True, check=True).stdout.strip() == (
        "labeldesk --version"
    )
    config = home / ".config/LabelDesk"
    config.mkdir(parents=True)
    run(data / "labeldesk/app/uninstall-linux.sh", env)
    assert not (data / "labeldesk").exists()
    assert not (data / "applications/labeldesk.desktop").exists()
    assert not (data / "icons/hicolor/256x256/apps/labeldesk.png").exists()
    assert config.exists()  # settings are kept unless --purge
    run(fake_bundle / "uninstall-linux.sh", env, "--purge")
    assert not config.exists()
