"""A recognisable fake API key goes through every action, failing ones included, and leaks nowhere."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel

from labeldesk import logs
from labeldesk.api import WixLabelsClient
from labeldesk.credentials import CredentialStore
from labeldesk.emulator import Emulator, LabelStore, seed_demo
from labeldesk.logs import setup_logging
from labeldesk.paths import AppPaths
from labeldesk.sites import SiteDirectory
from labeldesk.ui import dialogs
from labeldesk.ui.main_window import MainWindow
from labeldesk.ui.site_manager import SiteManager
from tests.conftest import FAST_RETRY
from tests.keyrings import MemoryKeyring

CANARY = "IST.CANARY-c4n4ry-7e57-k3y-DO-NOT-LEAK"
CANARY_2 = "IST.CANARY-second-k3y-DO-NOT-LEAK"
SITE = "cafecafe-0000-4000-8000-00000000cafe"


def test_the_api_key_is_nowhere_after_every_action(qtbot, caplog, monkeypatch, labeldesk_home):
    caplog.set_level(logging.DEBUG)
    paths = AppPaths.from_environment().ensure()
    handler = setup_logging(paths.logs, level=logging.DEBUG)
    store = LabelStore()
    seed_demo(store)
    proxy = _Proxy()  # a proxy in every variable: never used for the emulator on this computer
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"):
        monkeypatch.setenv(variable, proxy.url)
    emulator = Emulator(store, api_key=CANARY, site_id=SITE, rate_limit=None).start()
    backend = MemoryKeyring()
    manager = SiteManager(
        SiteDirectory(paths.config / "sites.json"),
        CredentialStore(backend),
        client_factory=lambda key, site: WixLabelsClient(key, site.site_id, base_url=site.api_base, retry=FAST_RETRY),
        default_api_base=emulator.base_url,
    )
    settings = QSettings(str(paths.config / "labeldesk.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, manager=manager)
    qtbot.addWidget(window)
    window.show()
    shown: list[str] = []
    window.message_shown.connect(lambda text, kind: shown.append(text))

    def seen_in_dialog(dialog):
        shown.extend(label.text() for label in dialog.findChildren(QLabel))

    try:
        manager.start()
        qtbot.waitUntil(lambda: getattr(window, "sign_in_dialog", None) is not None)
        dialog = window.sign_in_dialog
        dialog.site_edit.setText(SITE)
        dialog.key_edit.setText(CANARY + "-typo")  # a wrong key first
        dialog.sign_in_button.click()
        qtbot.waitUntil(lambda: dialog.message.property("kind") == "error", timeout=10_000)
        seen_in_dialog(dialog)
        dialog.key_edit.setText(CANARY)
        dialog.sign_in_button.click()
        qtbot.waitUntil(lambda: window.model.rowCount() == 45, timeout=10_000)

        def name_dialog(open_it, text):
            dialog = open_it()
            closed = []
            dialog.finished.connect(closed.append)
            dialog.name_edit.setText(text)
            seen_in_dialog(dialog)
            (dialog.use_button if dialog.use_button.isVisibleTo(dialog) else dialog.ok_button).click()
            qtbot.waitUntil(lambda: bool(closed) or dialog.message.property("kind") == "error", timeout=10_000)
            if not closed:  # it stayed open to show an error: read it, then close it
                seen_in_dialog(dialog)
                dialog.reject()

        name_dialog(window.new_label, "Canary Created")
        name_dialog(window.new_label, "VIP")  # already exists
        store.quota = 0
        name_dialog(window.new_label, "Over Quota")
        window.select_key("custom.wholesale")
        store.add_label("Taken Elsewhere")  # not in the table yet: Wix refuses the rename (409)
        name_dialog(window.rename_selected, "Taken Elsewhere")  # conflict
        name_dialog(window.rename_selected, "Trade")
        window.select_key("custom.vegan")
        store.delete("custom.vegan")
        name_dialog(window.rename_selected, "Plant Based")  # vanished
        monkeypatch.setattr(dialogs, "confirm_delete", lambda *args, **_: True)
        window.select_key("custom.staff")
        window.delete_selected()
        errors = []
        window.controller.delete(window.model.label("contacts.customers"), on_failure=errors.append)
        qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
        shown.append(str(errors[0]))
        for inject in (
            lambda: emulator.faults.fail_next(9, 503),
            emulator.faults.malformed_next,
            emulator.faults.drop_next,
            lambda: emulator.faults.bomb_next(2),
            lambda: emulator.faults.fail_next(1, 429, retry_after=100),
        ):
            inject()
            window.refresh_action.trigger()  # may join a refresh already under way (they coalesce)
            qtbot.waitUntil(lambda: not window.controller.busy, timeout=10_000)
            emulator.faults.clear()
        # A hostile answer echoing the key, with terminal escapes and a forged line, 5 MB long, the
        # key again about where the log cuts its records: it is blotted out before anything else.
        echo = f"\x1b[31m\nFAKE {CANARY}" + "k" * (logs.MAX_MESSAGE_CHARS - 200) + CANARY * 20 + "x" * 5_000_000
        window.select_key("custom.vip")
        emulator.faults.fail_next(1, 400, message=echo)
        name_dialog(window.rename_selected, "Echoed")
        window.copy_action.trigger()

        emulator.api_key = CANARY_2  # revoked: the window pauses and asks again
        window.refresh_action.trigger()
        qtbot.waitUntil(lambda: window.session.paused, timeout=10_000)
        dialog = window.sign_in_dialog
        seen_in_dialog(dialog)
        dialog.key_edit.setText(CANARY_2)
        dialog.sign_in_button.click()
        qtbot.waitUntil(lambda: not window.session.paused, timeout=10_000)
        monkeypatch.setattr(dialogs, "confirm_sign_out", lambda *args: True)
        window.sign_out()
        qtbot.waitUntil(lambda: not backend.items, timeout=10_000)
        window.save_settings()
    finally:
        if window.controller is not None:
            window.controller.shutdown()
        manager.shutdown()
        emulator.stop()
        proxy.close()
        logging.getLogger().removeHandler(handler)
        handler.close()

    shown += [window.windowTitle(), window.status.text.text(), *(a.toolTip() for a in window.actions())]
    texts = shown + [r.getMessage() for r in caplog.records] + [r.exc_text or "" for r in caplog.records]
    assert len(caplog.records) > 20 and len(shown) > 20, "too little happened for this test to prove anything"
    for secret in (CANARY, CANARY_2, "CANARY"):
        assert [t for t in texts if secret in t] == []
        for path in labeldesk_home.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path
    assert bytes(proxy.received) == b""  # (the emulator is on this computer: never through a proxy)
    log_text = (labeldesk_home / "logs" / "labeldesk.log").read_text(encoding="utf-8")
    assert "FAKE [redacted]" in log_text and "\x1b" not in log_text and len(log_text) < 1_000_000


#: A process that holds the key in memory and then crashes (SIGABRT), where core files are allowed.
CRASHING = f"""
import os, sys
key = "".join(["{CANARY[:8]}", "{CANARY[8:]}"])  # made at run time: in the heap, not only in the code
if sys.argv[1] == "app":
    from labeldesk.app import run
    try:
        run(["--version"])  # LabelDesk's start, up to the command line
    except SystemExit:
        pass
print(len(key), flush=True)
os.abort()
"""


def _allow_cores() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _crash(tmp_path: Path, how: str) -> list[bytes]:
    folder = tmp_path / how
    folder.mkdir()
    subprocess.run(
        [sys.executable, "-c", CRASHING, how],
        cwd=folder,
        preexec_fn=_allow_cores,
        capture_output=True,
        timeout=60,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    return [path.read_bytes() for path in folder.iterdir() if path.name.startswith("core")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="core files as Linux writes them")
def test_the_api_key_never_reaches_a_core_file(tmp_path):
    try:
        _allow_cores()
    except (ValueError, OSError):
        pytest.skip("core files are forbidden for the tests themselves")
    cores = _crash(tmp_path, "plain")  # the same crash without LabelDesk's start: a core with the key
    if not any(CANARY.encode() in core for core in cores):
        pytest.skip("this system writes no core file to the crashing process's folder (core_pattern)")
    assert _crash(tmp_path, "app") == []


class _Proxy:
    """A proxy on loopback that only listens: it keeps whatever reaches it, answers nothing."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.received = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="test-proxy")
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(1)
                with contextlib.suppress(OSError):
                    self.received += connection.recv(65536)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


def test_the_api_key_never_reaches_a_proxy(monkeypatch):
    proxy = _Proxy()
    store = LabelStore()
    seed_demo(store)
    try:
        for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.setenv(variable, proxy.url)
        for variable in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(variable, raising=False)
        with (
            Emulator(store, api_key=CANARY, site_id=SITE, rate_limit=None) as emulator,
            WixLabelsClient(CANARY, SITE, base_url=emulator.base_url, retry=FAST_RETRY) as client,
            contextlib.suppress(Exception),  # (refused, or unanswered: what matters is what the proxy got)
        ):
            client.list_labels()
    finally:
        proxy.close()
    assert CANARY.encode() not in proxy.received and bytes(proxy.received) == b""
