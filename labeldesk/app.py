"""The composition root: parses the command line, builds the core pieces and the window, wires them."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from labeldesk import __version__
from labeldesk.api.errors import InvalidBaseUrlError
from labeldesk.api.urls import DEFAULT_BASE_URL, validate_base_url
from labeldesk.paths import AppPaths

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from labeldesk.api import WixLabelsClient
    from labeldesk.cache import LabelCache
    from labeldesk.emulator import Emulator
    from labeldesk.instance import SingleInstance
    from labeldesk.sites import Site, SiteDirectory
    from labeldesk.ui.controller import LabelsController
    from labeldesk.ui.main_window import MainWindow
    from labeldesk.ui.settings import WindowSettings
    from labeldesk.ui.site_manager import OpenedSite

log = logging.getLogger(__name__)

SELFTEST_TIMEOUT_MS = 30_000
DEMO_SITE_NAME = "Harbour & Hive (demo)"


def _base_url(value: str) -> str:
    try:
        return validate_base_url(value)
    except InvalidBaseUrlError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="labeldesk", description="Manage a Wix site's contact labels.")
    parser.add_argument("--demo", action="store_true", help="open the built-in demo site (no account needed)")
    parser.add_argument("--site-id", metavar="ID", help="open this site, with its API key from the keyring")
    parser.add_argument(
        "--api-base",
        type=_base_url,
        metavar="URL",
        help=f"the Wix API address for --site-id or a new sign-in (default {DEFAULT_BASE_URL}; "
        "https, or http to this computer only). Another address is a test server: it has keys of its own "
        "and is not remembered for the next start",
    )
    parser.add_argument(
        "--selftest",
        action="store_true",
        help="open the window, wait for the first load, print one line and exit (0 on success, 1 on failure)",
    )
    parser.add_argument(
        "--demo-latency-ms", type=int, default=120, metavar="MS", help="network delay of the demo site (default 120)"
    )
    parser.add_argument("--report-first-paint", action="store_true", help=argparse.SUPPRESS)  # benchmarks
    parser.add_argument("--version", action="version", version=f"LabelDesk {__version__}")
    return parser


def open_window(
    client: WixLabelsClient, settings: WindowSettings, *, site_name: str, demo: bool = False
) -> tuple[MainWindow, LabelsController]:
    """A main window over ``client`` alone (no saved sites), shown, with its first refresh started."""
    from labeldesk.sites import Site
    from labeldesk.ui.controller import LabelsController
    from labeldesk.ui.main_window import MainWindow

    window = MainWindow(settings)
    controller = LabelsController(client)
    window.show()
    window.attach(controller, Site(client.site_id, site_name, client.base_url), demo=demo)
    return window, controller


class DemoSite:
    """The demo site: our emulator with the café's labels on a free loopback port, started on first use."""

    def __init__(self, latency_ms: int) -> None:
        self.latency_ms = latency_ms
        self.emulator: Emulator | None = None
        #: A saved copy for this run only (so Recently deleted and Restore work in the demo too), in a
        #: temporary folder removed at stop: the demo forgets everything when LabelDesk closes.
        self._saved_copy_folder: str | None = None

    def saved_copy(self) -> LabelCache:
        from labeldesk.cache import LabelCache

        if self._saved_copy_folder is None:
            import tempfile

            self._saved_copy_folder = tempfile.mkdtemp(prefix="labeldesk-demo-")
        return LabelCache(Path(self._saved_copy_folder) / "demo.sqlite")

    def open(self) -> OpenedSite:
        from labeldesk.api import WixLabelsClient
        from labeldesk.emulator import Emulator, LabelStore, seed_demo
        from labeldesk.logs import register_secret
        from labeldesk.sites import Site
        from labeldesk.ui.site_manager import OpenedSite

        if self.emulator is None:
            store = LabelStore()
            seed_demo(store)
            self.emulator = Emulator(store, latency_ms=self.latency_ms).start()
        emulator = self.emulator
        register_secret(emulator.api_key)
        client = WixLabelsClient(emulator.api_key, emulator.site_id, base_url=emulator.base_url)
        return OpenedSite(Site(emulator.site_id, DEMO_SITE_NAME, emulator.base_url), client, session_only=False)

    def stop(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
        if self._saved_copy_folder is not None:
            import shutil

            shutil.rmtree(self._saved_copy_folder, ignore_errors=True)


def _arm_selftest(app: QApplication, window: MainWindow) -> None:
    from PySide6.QtCore import QTimer

    reported: list[int] = []

    def report(line: str, code: int) -> None:
        if reported:
            return
        reported.append(code)
        print(line, flush=True)
        # Deferred: the first answer can come before the event loop has started.
        QTimer.singleShot(0, lambda: app.exit(code))

    def finished(ok: bool, source: str) -> None:
        if ok:
            # One more turn of the event loop, so the rows have been laid out and painted.
            QTimer.singleShot(
                0, lambda: report(f"selftest: {window.model.rowCount()} labels shown (source: {source})", 0)
            )
        else:
            report(f"selftest: failed: {source}", 1)

    window.first_load_finished.connect(finished)
    QTimer.singleShot(SELFTEST_TIMEOUT_MS, lambda: report("selftest: failed: no labels after 30 seconds", 1))


#: The one line the hook hands to ``show`` with a report when an exception escaped into Qt (a bug in
#: LabelDesk, not the user's world); the crash dialog (ui/crash_dialog.py) says it at more length.
UNEXPECTED_PROBLEM = (
    "LabelDesk hit an unexpected problem and carried on. If something looks wrong, restart LabelDesk; "
    "the details are in the log file."
)
#: How many times the same problem (same kind, same place) goes into the log with its traceback: one
#: in a paint would otherwise come again with every frame.
SAME_PROBLEM_LOGGED = 3


def install_excepthook(show: Callable[[str, str], None] | None = None) -> Callable[[], None]:
    """Catch what nothing else caught, from now on; returns the function that puts the old hook back.

    An exception in a slot, a ``keyPressEvent`` or an ``eventFilter`` can't rise past Qt's C++, so
    PySide hands it to ``sys.excepthook``; Python's own prints it to a console that a windowed app
    doesn't have. This one logs it (through the log's redaction and escaping), and calls
    ``show(text, report)`` with plain words and a report for "Copy details": the traceback with every
    registered secret blotted out. It may be called on any thread: ``show`` must be safe for that
    (a queued signal). The hook that was in place is still called after it (the console's; in tests,
    pytest-qt's capture, so a test still fails on an exception it didn't expect).
    """
    previous = sys.excepthook
    seen: dict[tuple[object, ...], int] = {}

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if not issubclass(kind, Exception):  # KeyboardInterrupt, SystemExit: not a problem to report
            previous(kind, value, tb)
            return
        try:
            import traceback

            from labeldesk.errors import bug_report

            last = traceback.extract_tb(tb)[-1:] if tb is not None else []
            place = (last[0].filename, last[0].lineno) if last else ()
            signature = (kind, *place)
            seen[signature] = seen.get(signature, 0) + 1
            if seen[signature] <= SAME_PROBLEM_LOGGED:
                log.error("an unexpected problem nothing else caught", exc_info=(kind, value, tb))
            if show is not None:
                show(UNEXPECTED_PROBLEM, f"{_versions()}\n{bug_report(value.with_traceback(tb))}")
        except Exception:  # the hook itself must never fail: the hook before it still gets the problem
            log.debug("the exception hook failed", exc_info=True)
        previous(kind, value, tb)

    sys.excepthook = hook

    def restore() -> None:
        if sys.excepthook is hook:
            sys.excepthook = previous

    return restore


def _versions() -> str:
    """The first line of a bug report: what support asks first."""
    import platform

    return f"LabelDesk {__version__} (Python {platform.python_version()}, {platform.system()} {platform.release()})"


def _problem_reporter(window: MainWindow, log_handler: logging.Handler) -> Callable[[str, str], None]:
    """A ``show`` for install_excepthook, safe from any thread: the crash dialog over ``window``, which
    says where the log file of ``log_handler`` is (if it writes to one). The dialog's module is loaded
    when a first problem is reported, not at start-up, where it would delay the first paint."""
    from PySide6.QtCore import QObject, Signal, Slot

    class Relay(QObject):
        problem = Signal(str, str)  # emitted from any thread; its slot runs on the GUI thread

        def __init__(self) -> None:
            super().__init__(window)
            self._show: Callable[[str, str], None] | None = None
            self.problem.connect(self._report)

        @Slot(str, str)
        def _report(self, summary: str, details: str) -> None:
            if self._show is None:
                from labeldesk.ui.crash_dialog import CrashReporter

                self._show = CrashReporter(window, _log_folder(log_handler)).report
            self._show(summary, details)

    relay = Relay()
    return relay.problem.emit


def _log_folder(log_handler: logging.Handler) -> Path | None:
    """The folder of the file ``log_handler`` writes to; None if it writes to no file (a console)."""
    from labeldesk.logs import HeldLog

    if isinstance(log_handler, HeldLog):
        log_handler.open()  # (a problem before the first paint: the folder shown must hold the file, and it)
        return log_handler.log_folder
    return Path(log_handler.baseFilename).parent if isinstance(log_handler, logging.FileHandler) else None


def forbid_core_dumps() -> None:
    """Turn core dumps off for this process, for good (POSIX; Windows writes none unless set up to).

    A core file is the process's memory on disk, API key included, readable by whoever can read
    where it lands. The hard limit goes to 0 as well, so nothing later in the process can raise it
    again; systemd-coredump and apport honour the limit too. Not ``prctl(PR_SET_DUMPABLE, 0)``:
    it would also hide /proc/<pid>/root from the desktop portal, which then refuses the window's
    settings and file dialogs (xdg-desktop-portal issues 785 and 1490).
    """
    try:
        import resource
    except ImportError:
        return
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (OSError, ValueError) as exc:  # (a sandbox that forbids it: nothing more to do)
        log.warning("couldn't turn core dumps off: %s", exc)


def run(argv: list[str]) -> int:
    forbid_core_dumps()  # first: before any key is in memory
    args = build_parser().parse_args(argv)
    paths = AppPaths.from_environment()
    storage_problem = paths.ensure_writable()  # a read-only home: say so in the window, and run on

    instance = None
    if not args.selftest:  # a self-test checks a build or a site; it is no second window
        from labeldesk.instance import SingleInstance

        instance = SingleInstance(paths.config)
        if not instance.claim():
            return _hand_over(instance)

    from labeldesk.logs import HeldLog, setup_logging

    log_handler = setup_logging(paths.logs, hold=True)  # (its file is opened once the window has painted)
    log.info("LabelDesk %s starting", __version__)

    from labeldesk.cache import LabelCache, cache_path
    from labeldesk.sites import SiteDirectory

    # Start reading the saved copy of the site about to open now: it overlaps loading Qt and
    # building the window, instead of starting after them.
    directory = SiteDirectory(paths.config / "sites.json")
    opening = None if args.demo else _site_to_open(args, directory)
    preloaded = None
    if opening is not None:  # the copy of this site at this address: another address's is not its
        preloaded = LabelCache(cache_path(paths.cache, opening.site_id, opening.api_base), source=opening.api_base)
    if preloaded is None or not preloaded.path.exists():
        # Nothing saved to show first (a first start, a new sign-in, the demo): the rows can only come
        # from Wix, so the sync engine's process starts now, while Qt loads and the window is built.
        # (With a saved copy it starts once that is painted: meanwhile it would only compete with it.)
        # Before Qt is loaded (which starts threads): see engine.entry on how it starts and why.
        from labeldesk.engine.entry import FirstRead, prestart

        first_read = None
        if opening is not None:  # a site whose key may be saved: the engine starts reading it at once
            from labeldesk.credentials import key_account

            first_read = FirstRead(opening.site_id, opening.api_base, key_account(opening.site_id, opening.api_base))
        prestart(first_read)
    if preloaded is not None:
        preloaded.preload()

    from PySide6.QtWidgets import QApplication

    from labeldesk.credentials import CredentialStore
    from labeldesk.ui import icons
    from labeldesk.ui.main_window import MainWindow
    from labeldesk.ui.settings import WindowSettings
    from labeldesk.ui.site_manager import SiteManager

    # (instance() is typed as the QCoreApplication base; the one made in this process is a QApplication)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("LabelDesk")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("labeldesk")
    app.setWindowIcon(icons.app_icon())

    settings = WindowSettings(paths.settings_file, legacy_ini=paths.config / "labeldesk.ini")
    manager = SiteManager(
        directory, CredentialStore(), default_api_base=args.api_base or DEFAULT_BASE_URL, cache_dir=paths.cache
    )
    if opening is not None and preloaded is not None:  # (there is a preloaded copy only for a site opening)
        manager.adopt_preloaded(opening, preloaded)
    demo = DemoSite(args.demo_latency_ms)
    from labeldesk.ui.controller import LabelsController

    window = MainWindow(settings, manager=manager, controller_factory=LabelsController)
    if storage_problem:
        window.show_storage_problem(storage_problem)

    def open_demo() -> None:
        opened = demo.open()
        window.attach(_controller_for(opened.client, demo.saved_copy()), opened.site, demo=True)

    window.demo_requested.connect(open_demo)
    if args.report_first_paint:
        window.table.first_rows_painted.connect(lambda: _report_first_paint(window))
    if args.selftest:
        _arm_selftest(app, window)
    window.show()
    if instance is not None:
        _listen_once_shown(instance, window)
    if isinstance(log_handler, HeldLog):  # (as late: loading the rotating file handler would delay them too)
        _once_shown(window, log_handler.open)

    if args.demo:
        open_demo()
    elif args.site_id:
        assert opening is not None  # _site_to_open always makes a Site for --site-id
        manager.open_site(opening)
    else:
        manager.start()

    restore_excepthook = install_excepthook(_problem_reporter(window, log_handler))
    try:
        return app.exec()
    finally:
        restore_excepthook()
        window.save_settings()
        window.hide()
        if instance is not None:
            # Before anything below waits (the cache's last writes, a keyring): a start that comes
            # meanwhile opens its own window instead of finding this one gone and the folder taken.
            instance.release()
        window.session.shutdown()
        manager.shutdown()
        demo.stop()
        log.info("LabelDesk closed")
        logging.getLogger().removeHandler(log_handler)
        log_handler.close()


#: The latest the window does what waits for its first rows (see _once_shown), in milliseconds after it
#: is shown, when no rows have been painted by then (a sign-in, a slow first read).
LISTEN_LATEST_MS = 1000


def _once_shown(window: MainWindow, do: Callable[[], object]) -> None:
    """``do()``, once: right after the first paint that shows rows, or LISTEN_LATEST_MS after the window
    is shown if none has by then. For what the first rows needn't wait for."""
    from PySide6.QtCore import QTimer

    done: list[bool] = []

    def once() -> None:
        if not done:
            done.append(True)
            do()

    window.table.first_rows_painted.connect(lambda: QTimer.singleShot(0, window, once))  # (after that paint)
    QTimer.singleShot(LISTEN_LATEST_MS, window, once)


def _listen_once_shown(instance: SingleInstance, window: MainWindow) -> None:
    """Answer later starts (see SingleInstance.listen) once the window is shown (see _once_shown): loading
    QtNetwork and opening the socket would only delay it. A start that comes meanwhile keeps trying for a
    few seconds (HAND_OVER_SECONDS)."""
    _once_shown(window, lambda: instance.listen(window.bring_to_front))


def _site_to_open(args: argparse.Namespace, directory: SiteDirectory) -> Site | None:
    """The site this start opens: ``--site-id`` at ``--api-base`` (Wix unless given), else the Wix site
    used last (a plain start never goes to a test server's address: see sites.py), else None."""
    from labeldesk.sites import Site

    if not args.site_id:
        return directory.last_used
    saved = directory.get(args.site_id)
    return Site(args.site_id, saved.name if saved is not None else "", args.api_base or DEFAULT_BASE_URL)


#: What a second start says when the LabelDesk already open doesn't answer (busy, or still closing).
NO_ANSWER = "LabelDesk is already open, but it didn't answer."
NO_ANSWER_NEXT = (
    "It may still be starting or closing. Try again in a moment; if this keeps happening, "
    "close the other LabelDesk window first."
)


def _hand_over(instance: SingleInstance) -> int:
    """Another LabelDesk has this folder: bring its window to the front, and leave (0), or say why not (1).

    Said in a small message box as well as on the console: a start from the desktop has no console,
    and must never end with nothing on screen.
    """
    if instance.hand_over():
        _say("LabelDesk is already open: its window was brought to the front.", sys.stdout)
        return 0
    _say(f"{NO_ANSWER} {NO_ANSWER_NEXT}", sys.stderr)
    _show_no_answer()
    return 1


def _show_no_answer() -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox

    from labeldesk.ui import icons

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("LabelDesk")
    box = QMessageBox()
    box.setWindowIcon(icons.app_icon())
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle("LabelDesk")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(NO_ANSWER)
    box.setInformativeText(NO_ANSWER_NEXT)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()


def _say(line: str, stream: TextIO | None) -> None:
    if stream is not None:  # a windowed app on Windows has no console to print to
        print(line, file=stream, flush=True)


def _report_first_paint(window: MainWindow) -> None:
    """For the start-up benchmark: say the first rows are on screen, and leave at once."""
    import os

    print("first-paint", flush=True)
    if window.controller is not None:
        # Painted: the next start may show the saved copy again (leaving this way skips the shutdown
        # that would say so; see controller.showing_marker).
        window.controller.saved_copy_shown(at_once=True)
    os._exit(0)


def _controller_for(client: WixLabelsClient, cache: LabelCache | None = None) -> LabelsController:
    from labeldesk.ui.controller import LabelsController

    return LabelsController(client, cache)
