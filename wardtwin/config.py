"""The user's configuration file: settings a site sets once instead of on every command.

Where it is: ``$WARDTWIN_CONFIG`` when set (then the file must exist), else
``$XDG_CONFIG_HOME/wardtwin/config.toml``, else ``~/.config/wardtwin/config.toml`` (used only when
it exists). It is TOML, read with the bounded reader (:mod:`wardtwin.exchange.reading`: a regular
file of at most 64 KiB, never a pipe or device). A command-line option always wins over the file.

Known tables and keys (anything else is an error, so that a misspelt key is not silently ignored)::

    [xapi]
    activity_base = "https://lms.example-hospital.org/xapi/"   # --activity-base
    account_home  = "https://staff.example-hospital.org/"      # --account-home
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from wardtwin.errors import InputFileError, UsageError
from wardtwin.exchange.reading import read_bounded
from wardtwin.safetext import escape

#: Largest configuration file read, bytes.
MAX_CONFIG_BYTES = 64 * 1024
#: Table -> its keys (all text).
KNOWN = {"xapi": ("activity_base", "account_home")}


def config_path(env: Mapping[str, str] | None = None) -> tuple[Path, bool]:
    """``(path, required)``: where the configuration file is looked for, and whether it must
    exist (it must when ``$WARDTWIN_CONFIG`` names it)."""
    env = os.environ if env is None else env
    if env.get("WARDTWIN_CONFIG"):
        return Path(env["WARDTWIN_CONFIG"]), True
    base = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "wardtwin" / "config.toml", False


def load_config(env: Mapping[str, str] | None = None) -> tuple[dict[str, dict[str, str]], Path | None]:
    """``({table: {key: value}}, path)`` of the configuration file, or ``({}, None)`` when
    there is none. Raises :class:`~wardtwin.errors.UsageError` naming the file and the key for a
    file that cannot be read or holds anything but the known tables and keys."""
    path, required = config_path(env)
    try:
        data = read_bounded(path, MAX_CONFIG_BYTES)
    except InputFileError as exc:
        if exc.reason == "missing" and not required:
            return {}, None
        raise UsageError(f"configuration file: {exc}" + (" (named by $WARDTWIN_CONFIG)" if required else "")) from None
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: not a valid TOML configuration file ({exc})") from None
    out: dict[str, dict[str, str]] = {}
    for table, value in doc.items():
        if table not in KNOWN:
            raise UsageError(f"{path}: unknown table [{table}]; known: "
                             + ", ".join(f"[{t}]" for t in KNOWN))
        if not isinstance(value, dict):
            raise UsageError(f"{path}: {table} must be a table ([{table}] with keys under it)")
        for key, v in value.items():
            if key not in KNOWN[table]:
                raise UsageError(f"{path}: unknown key {key!r} in [{table}]; known: {', '.join(KNOWN[table])}")
            if not isinstance(v, str):
                raise UsageError(f"{path}: [{table}] {key} must be text (a quoted string)")
        out[table] = dict(value)
    return out, path


def setting(table: str, key: str, given: str | None, env: Mapping[str, str] | None = None) -> tuple[str | None, str]:
    """``(value, where)`` of one setting: ``given`` (a command-line option) when not None,
    else the configuration file's, else ``(None, "")``. ``where`` names the source for messages."""
    if given is not None:
        return given, "--" + key.replace("_", "-")
    conf, path = load_config(env)
    value = conf.get(table, {}).get(key)
    return (value, f"{escape(str(path))} [{table}] {key}") if value is not None else (None, "")
