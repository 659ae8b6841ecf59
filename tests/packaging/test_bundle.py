"""The packaged app: build the bundle with the one command, then self-test the bundled executable.

This is what a person double-clicks, so CI runs it. It takes a minute or two (a clean venv and
PyInstaller); set LABELDESK_SKIP_BUNDLE=1 to leave it out of a quick local run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "LabelDesk"
pytestmark = [
    pytest.mark.skipif(os.environ.get("LABELDESK_SKIP_BUNDLE") == "1", reason="LABELDESK_SKIP_BUNDLE=1"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only the Linux bundle can be built here"),
    pytest.mark.timeout(1200),
]


@pytest.fixture(scope="module")
def bundle():
    subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--keep-venv"], check=True, cwd=ROOT)
    return BUNDLE


@pytest.mark.parametrize("start", ["", "spawn"], ids=["default", "spawned-engine"])
def test_the_bundled_app_passes_its_demo_selftest(bundle, tmp_path, start):
    """By default a first start's engine is forked (on Linux); spawned, as on Windows and macOS and
    as every later engine is, it is the bundle's executable started again (see packaging/entry.py)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LABELDESK_HOME": str(tmp_path)}
    env["LABELDESK_ENGINE_START"] = start
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [str(bundle / "LabelDesk"), "--demo", "--selftest"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "selftest: 45 labels shown (source: service)"
    log = next(tmp_path.rglob("labeldesk.log")).read_text()
    assert "[engine] the sync engine started in its own process" in log  # the labels came through it


def test_the_bundle_carries_no_host_graphics_or_desktop_libraries(bundle):
    names = [path.name for path in bundle.rglob("*.so*")]
    for host in (
        "libGL.",
        "libEGL.",
        "libX11.",
        "libxcb.so",
        "libfontconfig.",
        "libfreetype.",
        "libdbus-1.",
        "libglib-2.0.",
    ):
        assert not [name for name in names if name.startswith(host)], host
    assert (bundle / "labeldesk.desktop").exists() and (bundle / "install-linux.sh").exists()
    assert (bundle / "_internal" / "labeldesk" / "resources" / "labeldesk-256.png").exists()
