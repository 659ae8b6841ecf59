"""LabelDesk against a real Secret Service: gnome-keyring in a private D-Bus session, temporary folders.

Never the user's own keyring: the D-Bus session, XDG_DATA_HOME (where keyrings are stored) and
XDG_RUNTIME_DIR are all new and temporary.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TOOLS = ("dbus-run-session", "gnome-keyring-daemon", "secret-tool")
missing = [tool for tool in TOOLS if shutil.which(tool) is None]
pytestmark = pytest.mark.skipif(
    bool(missing), reason=f"needs {', '.join(missing)} (apt-get install dbus gnome-keyring libsecret-tools)"
)
SCRIPT = Path(__file__).with_name("secret_service_session.py")
ROOT = Path(__file__).resolve().parents[2]


def run_in_private_session(tmp_path, *args, unlock=True):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS")}
    for name in ("XDG_DATA_HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "HOME"):
        folder = tmp_path / name.lower()
        folder.mkdir(mode=0o700)
        env[name] = str(folder)
    env["LABELDESK_HOME"] = str(tmp_path / "labeldesk")
    env["XDG_CURRENT_DESKTOP"] = "GNOME"  # which names the Secret Service "GNOME Keyring" to the person
    env["PYTHONPATH"] = str(ROOT)
    start = (
        "echo -n test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null;"
        if unlock
        else ("gnome-keyring-daemon --start --components=secrets >/dev/null;")
    )
    command = f'{start} exec "{sys.executable}" "{SCRIPT}" {" ".join(args)}'
    result = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", command],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_save_read_back_switch_and_sign_out_with_gnome_keyring(tmp_path):
    report = run_in_private_session(tmp_path)
    assert report["backend"] == "keyring.backends.SecretService"
    assert report["description"] == "GNOME Keyring"
    assert report["signed_in_site-a"] == report["signed_in_site-b"] == "OpenedSite"
    assert report["read_back"] == {"site-a": "key-aaaa", "site-b": "key-bbbb"}
    assert report["secret_tool_before"] == {"site-a": "key-aaaa", "site-b": "key-bbbb"}
    assert report["switched_to_site-b"] == report["switched_to_site-a"] == 2
    assert report["after_sign_out"] == {"site-a": None, "site-b": "key-bbbb"}
    assert report["secret_tool_after"] == {"site-a": None, "site-b": "key-bbbb"}
    assert report["sites_after"] == ["site-b"]
    for path in (tmp_path / "labeldesk").rglob("*"):
        if path.is_file():
            assert b"key-aaaa" not in path.read_bytes() and b"key-bbbb" not in path.read_bytes()


def test_a_locked_keyring_is_reported_plainly(tmp_path):
    report = run_in_private_session(tmp_path, "locked", unlock=False)
    assert report["outcome"] != "saved"
    assert "keyring" in report["outcome"]
