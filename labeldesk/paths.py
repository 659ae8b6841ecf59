"""Every folder LabelDesk writes to. ``LABELDESK_HOME=DIR`` moves all of them under DIR."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

import msgspec
import platformdirs

from labeldesk.errors import KnownError

APP_NAME = "LabelDesk"
HOME_VARIABLE = "LABELDESK_HOME"

#: Every folder LabelDesk makes, and every file it writes, is its user's alone: on a shared computer
#: the labels (and the names of the sites) are nobody else's business.
FOLDER_MODE = 0o700
FILE_MODE = 0o600
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # not on Windows: there a link is checked for first
_OWNED = hasattr(os, "getuid")  # POSIX: files have an owner and a mode


class UnsafePathError(KnownError, PermissionError):
    """A folder or file LabelDesk would use is a link to somewhere else, or belongs to another user.

    Either could have been put there by someone else on the computer, to read LabelDesk's files or
    to make it write into a file of their choosing: LabelDesk doesn't use it. ``filename`` is the
    path; ``strerror`` says which of the two, in words.
    """

    def __init__(self, path: os.PathLike | str | bytes, why: str) -> None:
        super().__init__(errno.EPERM, why, os.fsdecode(path))

    def __str__(self) -> str:
        if self.filename is None:  # (rebuilt from its words alone, as the engine's wire does)
            return super().__str__()
        return f"LabelDesk won't use {self.filename}: {self.strerror}."


def _check_own(path: os.PathLike | str | bytes, status: os.stat_result) -> None:
    if stat.S_ISLNK(status.st_mode):
        raise UnsafePathError(path, "it is a link to another place")
    if _OWNED and status.st_uid != os.getuid():
        raise UnsafePathError(path, "it belongs to another user of this computer")


def private_folder(folder: Path) -> Path:
    """Make ``folder`` for LabelDesk alone (0700), with any missing folders above it (0700 too).

    A folder that is there already must be a real folder (not a link) of this user's: else
    UnsafePathError. One an older LabelDesk made readable by others is narrowed to 0700. The mode is
    given when the folder is made, never set afterwards, so it is private from its first moment
    whatever the umask. Raises OSError when it can't be made or checked.
    """
    _make_missing(folder)
    if not _OWNED:
        if os.path.islink(folder):
            raise UnsafePathError(folder, "it is a link to another place")
        return folder
    try:  # by descriptor, so what is checked is what is narrowed (a swap in between changes nothing)
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP or os.path.islink(folder):
            raise UnsafePathError(folder, "it is a link to another place") from None
        raise
    try:
        status = os.fstat(fd)
        _check_own(folder, status)
        if status.st_mode & 0o077:
            _narrow(fd, stat.S_IMODE(status.st_mode) & FOLDER_MODE)
    finally:
        os.close(fd)
    return folder


def _narrow(fd: int, mode: int) -> None:
    """Take others' access away from a folder or file an older LabelDesk made; on a disk that can't
    be changed (read-only) it stays as it is, still readable for LabelDesk."""
    with contextlib.suppress(OSError):
        os.fchmod(fd, mode)


def _make_missing(folder: Path) -> None:
    """``folder`` and the folders above it (``LABELDESK_HOME``, say) made 0700 where missing; the
    ones there already are left as they are."""
    try:
        os.mkdir(folder, FOLDER_MODE)
    except FileNotFoundError:
        if folder.parent == folder:
            raise
        _make_missing(folder.parent)
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, FOLDER_MODE)
    except FileExistsError:
        pass


def open_private(path: os.PathLike | str | bytes, flags: int = os.O_WRONLY | os.O_CREAT | os.O_APPEND) -> int:
    """``os.open(path, flags)`` for a file of LabelDesk's: made 0600 (from its first moment), never
    through a link, and only if it is this user's. Returns the descriptor (the caller closes it).

    A file an older LabelDesk left readable by others is narrowed to 0600. Raises UnsafePathError
    for a link or another user's file, OSError when it can't be opened.
    """
    if not _NOFOLLOW and os.path.islink(path):
        raise UnsafePathError(path, "it is a link to another place")
    try:
        fd = os.open(path, flags | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    except OSError as exc:
        if exc.errno == errno.ELOOP or (exc.errno in (errno.EEXIST, errno.EACCES) and os.path.islink(path)):
            raise UnsafePathError(path, "it is a link to another place") from None
        raise
    try:
        status = os.fstat(fd)
        _check_own(path, status)
        if not stat.S_ISREG(status.st_mode):
            raise UnsafePathError(path, "it is not an ordinary file")
        if _OWNED and status.st_mode & 0o077:
            _narrow(fd, stat.S_IMODE(status.st_mode) & FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_private(path: Path, text: str) -> None:
    """Replace the file ``path`` with ``text`` (UTF-8) all at once: a crash or a full disk leaves the
    old file, never half a new one. Written to a fresh 0600 file beside it (mkstemp: never through a
    link), flushed to the disk, then renamed over it; the folder is made private if missing. Raises
    OSError (and UnsafePathError for the folder) as open_private does; leaves no temporary file."""
    import tempfile  # only when saving: importing it costs start-up time

    private_folder(path.parent)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def private_file(path: os.PathLike | str | bytes) -> None:
    """Make ``path`` an empty file of LabelDesk's (0600) if it isn't there; check (and narrow) it if
    it is. Raises as open_private does."""
    os.close(open_private(path, os.O_RDONLY | os.O_CREAT))


def refused_path(path: Path) -> UnsafePathError | None:
    """Why ``path`` (there or not) must not be used, without touching it; None if it may be."""
    try:
        _check_own(path, os.lstat(path))
    except FileNotFoundError:
        return None
    except UnsafePathError as exc:
        return exc
    except OSError:
        return None  # unreadable: the writer says so when it tries
    return None


class AppPaths(msgspec.Struct, frozen=True):
    config: Path
    cache: Path
    logs: Path

    @classmethod
    def from_environment(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> AppPaths:
        env = os.environ if environ is None else environ
        home = env.get(HOME_VARIABLE)
        if home:
            root = Path(home).expanduser().resolve()
            return cls(config=root / "config", cache=root / "cache", logs=root / "logs")
        return cls(
            config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            cache=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            logs=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    @property
    def settings_file(self) -> Path:
        """The window's settings (size, place, columns), written by Python: see ui/settings.py."""
        return self.config / "window.json"

    @property
    def kept_files(self) -> tuple[Path, ...]:
        """The files LabelDesk keeps directly in its folders (for the check at start)."""
        return (
            self.settings_file,
            self.config / "sites.json",
            self.config / "labeldesk.lock",
            self.logs / "labeldesk.log",
            self.cache / "sites",
        )

    def ensure(self) -> AppPaths:
        """Make (or check) every folder for LabelDesk alone: see private_folder. Raises OSError."""
        for folder in (self.config, self.cache, self.logs):
            private_folder(folder)
        return self

    def ensure_writable(self) -> str | None:
        """Create every folder, as ``ensure`` does; None if that worked, else why not, in plain words for
        the person (naming the folder). LabelDesk then runs on without saving anything."""
        unsafe: UnsafePathError | None = None
        for folder in (self.config, self.cache, self.logs):
            try:
                private_folder(folder)
            except UnsafePathError as exc:
                unsafe = unsafe or exc
            except OSError:
                pass  # said below
        for file in self.kept_files:
            unsafe = unsafe or refused_path(file)
        if unsafe is not None:
            return (
                f"LabelDesk won't use {unsafe.filename}: {unsafe.strerror}, so someone else could read what "
                f"LabelDesk keeps there, or make it write over other files. Remove it and start LabelDesk again. "
                "Until then the labels still come from Wix and your changes still reach it, but LabelDesk "
                "keeps nothing there."
            )
        try:
            self.ensure()
            for folder in (self.config, self.cache, self.logs):
                if not os.access(folder, os.W_OK):  # there already, but read-only
                    raise PermissionError(13, "not writable", str(folder))
        except OSError as exc:
            parents = {self.config.parent, self.cache.parent, self.logs.parent}
            where = parents.pop() if len(parents) == 1 else exc.filename or self.config  # LABELDESK_HOME, say
            return (
                f"LabelDesk can't save anything on this computer: it isn't allowed to write to {where}. The "
                "labels still come from Wix and your changes still reach it, but your sites, settings and the "
                "offline copy are forgotten when LabelDesk closes."
            )
        return None
