"""On a shared computer: LabelDesk's folders are 0700 and its files 0600 from the moment they exist,
whatever the umask, and a link or another user's file or folder in their place is refused.

The tests run as root, who may read and write anything, so they check modes and owners with os.stat,
and play "another user" by giving a folder to uid 12345 (root may) or by a link to a folder elsewhere.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from labeldesk import logs
from labeldesk.cache import MIGRATIONS, CacheUnavailableError, LabelCache, cache_path
from labeldesk.domain import Label, LabelType
from labeldesk.instance import SingleInstance
from labeldesk.paths import AppPaths, UnsafePathError, open_private, private_folder
from labeldesk.sites import Site, SiteDirectory
from labeldesk.ui.settings import WindowSettings

SITE = "cafecafe-0000-4000-8000-0000000000f1"
OTHER_USER = 12345
LABELS = [Label(f"custom.l{n}", f"Label {n}", LabelType.USER_DEFINED) for n in range(20)]

pytestmark = pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX modes and owners")


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def everything_under(folder: Path) -> tuple[list[Path], list[Path]]:
    paths = [folder, *folder.rglob("*")]
    return [p for p in paths if p.is_dir()], [p for p in paths if p.is_file()]


def test_every_folder_and_file_labeldesk_makes_is_its_users_alone(umask_022, labeldesk_home, monkeypatch):
    paths = AppPaths.from_environment()
    assert paths.ensure_writable() is None
    monkeypatch.setattr(logs, "ROTATE_AT_BYTES", 2_000)
    handler = logs.setup_logging(paths.logs)
    cache = LabelCache(cache_path(paths.cache, SITE))
    try:
        for n in range(60):  # past the size: the log is set aside while running, twice or more
            logging.getLogger("labeldesk.test").warning("line %d %s", n, "x" * 100)
        cache.replace_labels(LABELS, datetime(2026, 11, 29, tzinfo=UTC))
        SiteDirectory(paths.config / "sites.json").remember(Site(SITE, "Café"))
        WindowSettings(paths.settings_file).sync()
        instance = SingleInstance(paths.config)
        assert instance.claim()
        instance.release()
        folders, files = everything_under(labeldesk_home)
        modes = {path: mode(path) for path in folders + files}
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
        cache.close()
    names = {path.name for path in files}
    assert {"labeldesk.log", "labeldesk.log.1", "sites.json", "window.json", "labeldesk.lock"} <= names
    assert f"{SITE}.sqlite3" in names
    assert {path: oct(modes[path]) for path in folders if modes[path] != 0o700} == {}
    assert {path: oct(modes[path]) for path in files if modes[path] != 0o600} == {}


def test_the_rollback_journal_of_a_cache_is_private_too(umask_022, tmp_path):
    cache = LabelCache(tmp_path / "cache" / "sites" / "x.sqlite3")
    connection = cache._connect()
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
        connection.execute("PRAGMA locking_mode = EXCLUSIVE")  # keeps the journal after the write
        connection.execute("PRAGMA journal_mode = PERSIST")
        connection.execute("INSERT INTO meta VALUES ('a', 'b')")
        journal = Path(f"{cache.path}-journal")
        assert journal.exists() and mode(journal) == 0o600
    finally:
        cache.close()


def test_the_migration_backup_is_private(umask_022, tmp_path):
    path = tmp_path / "sites" / "x.sqlite3"
    path.parent.mkdir(mode=0o700)
    with contextlib.closing(sqlite3.connect(path)) as old:  # as LabelDesk's first schema left it
        old.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    path.chmod(0o600)
    cache = LabelCache(path)
    cache.load()
    cache.close()
    backups = list(path.parent.glob("*.bak"))
    assert backups and [mode(backup) for backup in backups] == [0o600]


def test_folders_and_files_an_older_labeldesk_left_open_are_narrowed(umask_022, labeldesk_home):
    paths = AppPaths.from_environment()
    for folder in (labeldesk_home, paths.config, paths.cache / "sites", paths.logs):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
    path = cache_path(paths.cache, SITE)
    LabelCache(path).replace_labels(LABELS, datetime(2026, 11, 29, tzinfo=UTC))
    path.chmod(0o644)
    (paths.logs / "labeldesk.log").write_text("old\n")
    (paths.logs / "labeldesk.log").chmod(0o644)

    assert paths.ensure_writable() is None
    handler = logs.setup_logging(paths.logs)
    logging.getLogger().removeHandler(handler)
    handler.close()
    cache = LabelCache(path)
    assert len(cache.load().labels) == 20
    cache.close()
    for folder in (paths.config, paths.cache, paths.cache / "sites", paths.logs):
        assert mode(folder) == 0o700, folder
    assert mode(path) == 0o600 and mode(paths.logs / "labeldesk.log") == 0o600
    assert mode(labeldesk_home) == 0o755  # LABELDESK_HOME was there already: the person's own folder


@pytest.fixture
def elsewhere(tmp_path):
    """Another user's folder, where a planted link points."""
    folder = tmp_path / "theirs"
    folder.mkdir()
    return folder


def test_a_planted_cache_link_is_refused_and_said(labeldesk_home, elsewhere):
    labeldesk_home.mkdir()
    (labeldesk_home / "cache").symlink_to(elsewhere)
    paths = AppPaths.from_environment()
    problem = paths.ensure_writable()
    assert problem is not None and f"won't use {paths.cache}: it is a link to another place" in problem
    cache = LabelCache(cache_path(paths.cache, SITE))
    with pytest.raises(CacheUnavailableError):
        cache.replace_labels(LABELS, datetime(2026, 11, 29, tzinfo=UTC))
    with pytest.raises(CacheUnavailableError):
        cache.load()
    assert list(elsewhere.iterdir()) == []  # nothing made, nothing read there


def test_a_planted_log_link_is_refused_and_said(labeldesk_home, elsewhere):
    victim = elsewhere / "important.txt"
    victim.write_text("theirs\n")
    paths = AppPaths.from_environment().ensure()
    (paths.logs / "labeldesk.log").symlink_to(victim)
    problem = paths.ensure_writable()
    assert problem is not None and f"won't use {paths.logs / 'labeldesk.log'}" in problem
    handler = logs.setup_logging(paths.logs)
    try:
        logging.getLogger("labeldesk.test").warning("appended?")
        assert not isinstance(handler, logging.FileHandler)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert victim.read_text() == "theirs\n"


@pytest.mark.parametrize("name", ["window.json.new", "labeldesk.lock"])
def test_planted_links_in_the_config_folder_are_never_written_through(labeldesk_home, elsewhere, name):
    victim = elsewhere / "important.txt"
    victim.write_text("theirs\n")
    paths = AppPaths.from_environment().ensure()
    (paths.config / name).symlink_to(victim)
    WindowSettings(paths.settings_file).sync()
    # A lock that can't be made safely is no reason not to start: LabelDesk goes on without one.
    assert SingleInstance(paths.config).claim() is True
    assert victim.read_text() == "theirs\n"
    with pytest.raises(UnsafePathError):
        os.close(open_private(paths.config / name))


def test_another_users_folder_is_refused_and_said(labeldesk_home):
    paths = AppPaths.from_environment().ensure()
    (paths.cache / "sites").mkdir(mode=0o700)
    os.chown(paths.cache / "sites", OTHER_USER, OTHER_USER)
    problem = paths.ensure_writable()
    assert problem is not None and "belongs to another user of this computer" in problem
    assert str(paths.cache / "sites") in problem
    with pytest.raises(CacheUnavailableError):
        LabelCache(cache_path(paths.cache, SITE)).replace_labels(LABELS, datetime(2026, 11, 29, tzinfo=UTC))
    os.chown(paths.config, OTHER_USER, OTHER_USER)
    with pytest.raises(UnsafePathError, match="another user"):
        private_folder(paths.config)


def test_another_users_file_is_refused(labeldesk_home):
    paths = AppPaths.from_environment().ensure()
    log_file = paths.logs / "labeldesk.log"
    log_file.write_text("")
    os.chown(log_file, OTHER_USER, OTHER_USER)
    assert "belongs to another user" in (paths.ensure_writable() or "")
    with pytest.raises(UnsafePathError):
        os.close(open_private(log_file))


def test_a_private_write_that_fails_leaves_the_old_file_and_nothing_else(tmp_path, monkeypatch):
    """The sites file and the window settings are written one way: all at once, or not at all. (The
    settings once left a 'window.json.new' behind on a failed write, unsynced.)"""
    from labeldesk.paths import write_private

    target = tmp_path / "config" / "window.json"
    write_private(target, "old")
    assert target.read_text() == "old" and stat.S_IMODE(target.stat().st_mode) == 0o600

    def full_disk(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_private(target, "new")
    assert target.read_text() == "old"
    assert sorted(path.name for path in target.parent.iterdir()) == ["window.json"]
