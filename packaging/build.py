"""Build LabelDesk's one-folder, windowed bundle for this platform. One command:

    python3 packaging/build.py

It makes a clean virtual environment in build/venv (so no stray packages or system libraries ride
along), installs LabelDesk and PyInstaller into it, and runs packaging/labeldesk.spec. The result:
dist/LabelDesk/LabelDesk (Linux), dist/LabelDesk/LabelDesk.exe (Windows), dist/LabelDesk.app (macOS).
It ends by printing the bundle's size. --keep-venv reuses build/venv (faster when iterating).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
DIST = ROOT / "dist"
VENV = BUILD / "venv"
PYINSTALLER = "pyinstaller>=6.10,<7"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*command: str | Path, cwd: Path = ROOT) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    subprocess.run([str(part) for part in command], check=True, cwd=cwd)


def folder_size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file() and not item.is_symlink())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep-venv", action="store_true", help="reuse build/venv if it exists")
    args = parser.parse_args()

    if VENV.exists() and not args.keep_venv:
        shutil.rmtree(VENV)
    if not VENV.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        run(venv_python(), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    # A regular (not editable) install: the bundle must hold the package, its resources included.
    run(venv_python(), "-m", "pip", "install", "--quiet", str(ROOT), PYINSTALLER)
    run(
        venv_python(),
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--distpath",
        DIST,
        "--workpath",
        BUILD / "pyinstaller",
        ROOT / "packaging" / "labeldesk.spec",
        # From build/, not the checkout: there the source tree's labeldesk/ would shadow the installed
        # package (whose labeldesk.resources only exists once installed).
        cwd=BUILD,
    )
    bundle = DIST / ("LabelDesk.app" if sys.platform == "darwin" else "LabelDesk")
    if sys.platform.startswith("linux"):
        # The menu entry and the (un)install scripts travel with the bundle: unpack, run ./install-linux.sh.
        for name in ("labeldesk.desktop", "install-linux.sh", "uninstall-linux.sh"):
            shutil.copy2(ROOT / "packaging" / name, bundle / name)
    executable = {"win32": "LabelDesk.exe", "darwin": "Contents/MacOS/LabelDesk"}.get(sys.platform, "LabelDesk")
    if not (bundle / executable).exists():
        print(f"build finished but {bundle / executable} is missing", file=sys.stderr)
        return 1
    print(f"built {bundle} ({folder_size(bundle) / 1_000_000:.1f} MB); run {bundle / executable}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
