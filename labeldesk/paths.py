"""Every folder LabelDesk writes to. ``LABELDESK_HOME=DIR`` moves all of them under DIR."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "LabelDesk"
HOME_VARIABLE = "LABELDESK_HOME"


@dataclass(frozen=True, slots=True)
class AppPaths:
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

    def ensure(self) -> AppPaths:
        for folder in (self.config, self.cache, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    def ensure_writable(self) -> str | None:
        """Create every folder, as ``ensure`` does; None if that worked, else why not, in plain words for
        the person (naming the folder). LabelDesk then runs on without saving anything."""
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
