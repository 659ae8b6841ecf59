"""Run inside a private D-Bus session with gnome-keyring (see test_secret_service.py). Prints JSON.

Drives the real CredentialStore and SiteManager against the real Secret Service: save two sites' keys,
read them back, switch between the sites, sign out of one, and report what the keyring holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from labeldesk.credentials import CredentialStore, KeyringUnavailableError, key_account
from labeldesk.emulator import Emulator, LabelStore, seed_empty
from labeldesk.sites import Site, SiteDirectory
from labeldesk.ui.site_manager import SiteManager


def secret_tool(account: str) -> str | None:
    found = subprocess.run(
        ["secret-tool", "lookup", "service", "LabelDesk", "username", account],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout if found.returncode == 0 else None


def wait_for(signal, timeout_ms=15_000):
    loop = QEventLoop()
    got = []
    signal.connect(lambda *args: (got.append(args), loop.quit()))
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    return got[0] if got else None


def main() -> None:
    report: dict[str, object] = {}
    store = CredentialStore()
    report["backend"] = type(store.backend).__module__
    report["description"] = store.description
    if sys.argv[1:] == ["locked"]:
        try:
            store.set("site-x", "a-key")
            report["outcome"] = "saved"
        except KeyringUnavailableError as exc:
            report["outcome"] = str(exc)
        print(json.dumps(report))
        return

    app = QCoreApplication([])  # noqa: F841 - signals need an event loop
    emulators = {}
    for site_id, key in (("site-a", "key-aaaa"), ("site-b", "key-bbbb")):
        labels = LabelStore()
        seed_empty(labels)
        emulators[site_id] = Emulator(labels, api_key=key, site_id=site_id).start()
    directory = SiteDirectory(Path(os.environ["LABELDESK_HOME"]) / "sites.json")
    manager = SiteManager(directory, store)
    for site_id, emulator in emulators.items():
        done = []
        manager.sign_in(
            Site(site_id, site_id.upper(), emulator.base_url),
            emulator.api_key,
            session_only=False,
            on_success=done.append,
            on_failure=done.append,
        )
        wait_for(manager.sites_changed)
        report[f"signed_in_{site_id}"] = type(done[0]).__name__ if done else "nothing"
    # Each key is kept for its site at its address (the emulators are test servers, not Wix).
    accounts = {site_id: key_account(site_id, emulator.base_url) for site_id, emulator in emulators.items()}
    sites = {site_id: Site(site_id, site_id.upper(), emulator.base_url) for site_id, emulator in emulators.items()}
    report["read_back"] = {site_id: store.get(account) for site_id, account in accounts.items()}
    report["secret_tool_before"] = {site_id: secret_tool(account) for site_id, account in accounts.items()}

    for site_id in ("site-b", "site-a"):
        manager.open_site(sites[site_id])
        (opened,) = wait_for(manager.site_opened)
        report[f"switched_to_{site_id}"] = opened.client.list_labels().total
        opened.client.close()

    manager.sign_out(sites["site-a"])
    wait_for(manager.signed_out)
    report["after_sign_out"] = {site_id: store.get(account) for site_id, account in accounts.items()}
    report["secret_tool_after"] = {site_id: secret_tool(account) for site_id, account in accounts.items()}
    report["sites_after"] = [site.site_id for site in directory.sites]
    manager.shutdown()
    for emulator in emulators.values():
        emulator.stop()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
