"""The composition root: parses the command line, builds the core pieces and the window, wires them."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, field

from labeldesk import __version__
from labeldesk.paths import AppPaths

log = logging.getLogger(__name__)

SELFTEST_TIMEOUT_MS = 30_000
DEMO_SITE_NAME = "Harbour & Hive (demo)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="labeldesk", description="Manage a Wix site's contact labels.")
    parser.add_argument("--demo", action="store_true", help="open the built-in demo site (no account needed)")
    parser.add_argument(
        "--selftest",
        action="store_true",
        help="open the window, wait for the first load, print one line and exit (0 on success, 1 on failure)",
    )
    parser.add_argument(
        "--demo-latency-ms", type=int, default=120, metavar="MS", help="network delay of the demo site (default 120)"
    )
    parser.add_argument("--version", action="version", version=f"LabelDesk {__version__}")
    return parser


@dataclass
class Session:
    """What one open site needs, so it can be shut down in one place."""

    window: object
    controller: object
    cleanups: list = field(default_factory=list)

    def close(self) -> None:
        self.controller.shutdown()
        for cleanup in reversed(self.cleanups):
            cleanup()


def open_window(client, settings, *, site_name: str, demo: bool = False):
    """The main window over ``client``, shown, with its first refresh started."""
    from labeldesk.ui.controller import LabelsController
    from labeldesk.ui.main_window import MainWindow

    controller = LabelsController(client)
    window = MainWindow(controller, settings, site_name=site_name, demo=demo)
    controller.setParent(window)
    window.show()
    controller.refresh()
    return window, controller


def start_demo_site(latency_ms: int):
    """The demo site: our emulator with the café's labels, on a free loopback port."""
    from labeldesk.emulator import Emulator, LabelStore, seed_demo

    store = LabelStore()
    seed_demo(store)
    return Emulator(store, latency_ms=latency_ms).start()


def _settings(paths: AppPaths):
    from PySide6.QtCore import QSettings

    return QSettings(str(paths.config / "labeldesk.ini"), QSettings.Format.IniFormat)


def _arm_selftest(app, window, controller) -> None:
    from PySide6.QtCore import QTimer

    def report(line: str, code: int) -> None:
        print(line, flush=True)
        app.exit(code)

    def loaded(_labels) -> None:
        # One more turn of the event loop, so the rows have been laid out and painted.
        QTimer.singleShot(0, lambda: report(f"selftest: {window.proxy.rowCount()} labels shown (source: service)", 0))

    controller.labels_loaded.connect(loaded)
    controller.refresh_failed.connect(lambda error: report(f"selftest: failed: {error}", 1))
    QTimer.singleShot(SELFTEST_TIMEOUT_MS, lambda: report("selftest: failed: no labels after 30 seconds", 1))


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    paths = AppPaths.from_environment().ensure()

    from labeldesk.logs import register_secret, setup_logging

    setup_logging(paths.logs)
    log.info("LabelDesk %s starting (%s)", __version__, "demo" if args.demo else "site")

    if not args.demo:
        print(
            "labeldesk: signing in to a real Wix site isn't available in this version yet.\n"
            "Run `labeldesk --demo` to try LabelDesk on the built-in demo site.",
            file=sys.stderr,
        )
        return 2

    from PySide6.QtWidgets import QApplication

    from labeldesk.api import WixLabelsClient
    from labeldesk.ui import icons

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("LabelDesk")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("labeldesk")
    app.setWindowIcon(icons.app_icon())

    emulator = start_demo_site(args.demo_latency_ms)
    register_secret(emulator.api_key)
    client = WixLabelsClient(emulator.api_key, emulator.site_id, base_url=emulator.base_url)
    window, controller = open_window(client, _settings(paths), site_name=DEMO_SITE_NAME, demo=True)
    session = Session(window, controller, cleanups=[emulator.stop])
    if args.selftest:
        _arm_selftest(app, window, controller)
    try:
        return app.exec()
    finally:
        window.save_settings()
        session.close()
        log.info("LabelDesk closed")
