"""A recognisable fake API key goes through every action, failing ones included, and leaks nowhere."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel

from labeldesk.api import WixLabelsClient
from labeldesk.credentials import CredentialStore
from labeldesk.emulator import Emulator, LabelStore, seed_demo
from labeldesk.logs import setup_logging
from labeldesk.paths import AppPaths
from labeldesk.sites import SiteDirectory
from labeldesk.ui import dialogs
from labeldesk.ui.main_window import MainWindow
from labeldesk.ui.site_manager import SiteManager
from tests.api.test_network_trouble import _Recorder
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
    proxy = _Recorder()  # a proxy in every variable: never used for the emulator on this computer
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
        monkeypatch.setattr(dialogs, "confirm_delete", lambda *args: True)
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
        window.select_key("custom.vip")
        window.copy_action.trigger()

        emulator.api_key = CANARY_2  # revoked: the window pauses and asks again
        window.refresh_action.trigger()
        qtbot.waitUntil(lambda: window.paused, timeout=10_000)
        dialog = window.sign_in_dialog
        seen_in_dialog(dialog)
        dialog.key_edit.setText(CANARY_2)
        dialog.sign_in_button.click()
        qtbot.waitUntil(lambda: not window.paused, timeout=10_000)
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
    assert (labeldesk_home / "logs" / "labeldesk.log").stat().st_size > 0
    assert proxy.received == []
