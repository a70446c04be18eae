"""User modules imported before suites load (`--plugin MODULE`, a suite's `plugins:` list), so
the checks they register with `@harness.register_check` can be named in suites.

A plugin is a dotted module name (imported as usual, from sys.path) or a path ending in `.py`
(relative to the current folder for `--plugin`, to the suite's folder for `plugins:`). Each
module is imported once per process, however many suites name it, so its registrations do not
run twice. A module that cannot be imported is a usage error naming it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from harness.core.errors import UsageError

__all__ = ["import_plugin", "import_plugins"]

_BY_PATH: dict[Path, ModuleType] = {}


def import_plugins(specs: tuple[str, ...] | list[str], flag: str = "--plugin") -> None:
    """Import each `--plugin` module, in order."""
    for spec in specs:
        try:
            import_plugin(spec)
        except UsageError as exc:
            raise UsageError(f"{flag} {spec}: {exc}") from None


def import_plugin(spec: str, base: Path | None = None) -> ModuleType:
    """Import a dotted module name or a .py file (relative to `base` when given); failures are
    a UsageError saying why (the module's own exception, in one line)."""
    if spec.endswith(".py") or "/" in spec or "\\" in spec:
        return _import_file(Path(base or ".") / spec)
    try:
        return importlib.import_module(spec)
    except Exception as exc:  # noqa: BLE001 (any failure of the user's module is reported)
        raise UsageError(f"cannot import module {spec!r}: {_why(exc)}") from None


def _import_file(path: Path) -> ModuleType:
    key = path.resolve()
    if key in _BY_PATH:
        return _BY_PATH[key]
    if not key.is_file():
        raise UsageError(f"no such plugin file {str(path)!r}")
    digest = hashlib.sha256(str(key).encode()).hexdigest()[:12]
    name = f"harness_plugin_{key.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, key)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot import {str(path)!r} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 (any failure of the user's module is reported)
        del sys.modules[name]
        raise UsageError(f"cannot import {str(path)!r}: {_why(exc)}") from None
    _BY_PATH[key] = module
    return module


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0]
