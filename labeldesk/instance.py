"""One LabelDesk per settings folder: a second start hands over to the first window and leaves.

Two copies on the same folder would overwrite each other's settings and saved labels and mix their
log lines. The desktop convention: the first copy holds a lock and listens on a local socket; a
second start finds the lock taken, asks the first (over the socket) to bring its window to the
front, and exits.

- The lock is the operating system's own on an open file (``flock`` on Linux and macOS, ``msvcrt``
  on Windows) in the config folder, not QLockFile: the system drops it when the process ends,
  however it ends, so a crashed copy never leaves a lock that must be guessed stale from a process
  ID; and the path stays Python's, bytes included (a home folder in a legacy 8-bit encoding has no
  Qt spelling, see app.py on the settings file).
- The socket is Qt's QLocalServer, named after a hash of the folder (and the user), in Linux's
  abstract namespace (no file anywhere, nothing left after a crash), elsewhere where Qt puts it;
  only the same user may connect.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from labeldesk.paths import open_private

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

LOCK_NAME = "labeldesk.lock"
#: How long a second start keeps trying to reach the first (which may be still starting), in seconds.
HAND_OVER_SECONDS = 5.0
_ABSTRACT = sys.platform.startswith("linux")


def server_name(folder: Path) -> str:
    """The local socket's name for ``folder``: the same for every start on it, and short."""
    import getpass  # (both here: they would cost the window's first paint, and OpenSSL comes with hashlib)
    import hashlib

    identity = os.fsencode(folder) + b"\0" + getpass.getuser().encode("utf-8", "surrogateescape")
    return "labeldesk-" + hashlib.sha256(identity).hexdigest()[:24]


class SingleInstance:
    """The claim of one LabelDesk on ``folder`` (the config folder, under LABELDESK_HOME if set).

    ``claim()`` first; True means this is the only copy: ``listen(on_activate)`` once the window
    exists, ``release()`` at quit. False means another copy holds the folder: ``hand_over()``.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fd: int | None = None
        self._server: QLocalServer | None = None

    @functools.cached_property
    def name(self) -> str:
        """The local socket's name (see server_name); worked out when first needed, after the first paint."""
        return server_name(self.folder)

    def claim(self) -> bool:
        """Take the folder's lock without waiting. False when another running copy holds it.

        A folder where no lock file can be made (read-only) is not a reason to refuse to start:
        that returns True, and logs it.
        """
        path = os.path.join(os.fsencode(self.folder), LOCK_NAME.encode())
        try:
            fd = open_private(path, os.O_RDWR | os.O_CREAT)  # 0600, never through a link, ours only
        except OSError as exc:
            log.warning("no single-instance lock (%s): going on without one", exc)
            return True
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        if hasattr(os, "register_at_fork"):  # (a forked sync engine must not keep the folder locked)
            os.register_at_fork(after_in_child=self._let_go_in_child)
        return True

    def _let_go_in_child(self) -> None:
        """In a process forked from this one: close its copy of the lock file, which would otherwise
        hold the lock after this process let it go (the lock belongs to the open file, not to a process)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def listen(self, on_activate: Callable[[], None]) -> bool:
        """Answer later starts: each one calls ``on_activate()`` on the GUI thread. False if it can't."""
        try:
            from PySide6.QtNetwork import QLocalServer
        except ImportError as exc:  # a system library QtNetwork needs is missing: the lock still holds
            log.warning("can't listen for other starts: %s", exc)
            return False

        server = QLocalServer()
        server.setSocketOptions(_server_options())
        if not _ABSTRACT:
            QLocalServer.removeServer(self.name)  # a socket file left by a copy that crashed
        if not server.listen(self.name):
            log.warning("can't listen for other starts: %s", server.errorString())
            return False

        def accept() -> None:
            while server.hasPendingConnections():
                _answer(server.nextPendingConnection(), on_activate)

        server.newConnection.connect(accept)
        self._server = server
        log.info("listening for other starts on %s", self.name)
        return True

    def hand_over(self, timeout: float | None = None) -> bool:
        """Ask the copy holding the folder to bring its window to the front. True once it said so.

        Blocking (there is no window yet to keep responsive); it keeps trying for ``timeout``
        seconds (HAND_OVER_SECONDS by default), since the first copy may have the lock and not be
        listening yet.
        """
        if timeout is None:
            timeout = HAND_OVER_SECONDS
        try:
            from PySide6.QtNetwork import QLocalSocket
        except ImportError as exc:
            log.warning("can't reach the LabelDesk that is open: %s", exc)
            return False

        message: dict[str, bool | str] = {"activate": True}
        for variable in ("XDG_ACTIVATION_TOKEN", "DESKTOP_STARTUP_ID"):  # lets the desktop give it focus
            if os.environ.get(variable):
                message[variable] = os.environ[variable]
        deadline = time.monotonic() + timeout
        while True:
            socket = QLocalSocket()
            socket.setSocketOptions(_socket_options())
            socket.connectToServer(self.name)
            if socket.waitForConnected(500):
                socket.write(json.dumps(message).encode() + b"\n")
                socket.waitForBytesWritten(1000)
                answered = socket.waitForReadyRead(2000) and bytes(socket.readAll().data()).startswith(b"ok")
                socket.abort()
                if answered:
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)  # no event loop runs in a second start: a plain wait between tries

    def release(self) -> None:
        """Stop answering and give the folder up (at quit)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops the lock
            self._fd = None


def _server_options() -> QLocalServer.SocketOption:
    from PySide6.QtNetwork import QLocalServer

    options = QLocalServer.SocketOption
    return options.UserAccessOption | options.AbstractNamespaceOption if _ABSTRACT else options.UserAccessOption


def _socket_options() -> QLocalSocket.SocketOption:
    from PySide6.QtNetwork import QLocalSocket

    options = QLocalSocket.SocketOption
    return options.AbstractNamespaceOption if _ABSTRACT else options.NoOptions


def _answer(socket: QLocalSocket, on_activate: Callable[[], None]) -> None:
    def read() -> None:
        if not socket.canReadLine():
            return
        line = bytes(socket.readLine().data())
        try:
            message = json.loads(line)
        except ValueError:
            message = {}
        if isinstance(message, dict) and message.get("activate"):
            for variable in ("XDG_ACTIVATION_TOKEN", "DESKTOP_STARTUP_ID"):
                if isinstance(message.get(variable), str):
                    os.environ[variable] = message[variable]
            log.info("another start handed over to this window")
            socket.write(b"ok\n")
            socket.flush()
            on_activate()
        socket.disconnectFromServer()

    socket.readyRead.connect(read)
    socket.disconnected.connect(socket.deleteLater)
    read()


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
