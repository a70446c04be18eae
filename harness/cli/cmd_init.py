"""`harness init [DIR] [--force]`: scaffold a new project (suite, providers file, CI workflow,
HARNESS.md); existing files are kept unless --force."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harness.core.errors import UsageError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "init", help="scaffold a new project: a suite, a providers file and a CI workflow",
        description="Write suites/smoke.yaml (a chat, an error-envelope and a streaming case), "
        "providers.yaml (a provider extending a built-in one, its key from the environment), "
        ".github/workflows/harness.yml (a replay gate on pull requests and a nightly live run) "
        "and HARNESS.md (the next steps) into DIR. Files that exist are a usage error (exit 2) "
        "unless --force.",
    )
    p.add_argument("dir", nargs="?", default=".", metavar="DIR",
                   help="the project folder (default: the current one; created if missing)")
    p.add_argument("--force", action="store_true", help="overwrite files that exist")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from harness.cli.init_files import FILES

    root = Path(args.dir)
    if root.exists() and not root.is_dir():
        raise UsageError(f"harness init: {root} is not a folder")
    existing = [name for name in FILES if (root / name).exists()]
    if existing and not args.force:
        verb = "exists" if len(existing) == 1 else "exist"
        raise UsageError(f"harness init: {', '.join(str(root / n) for n in existing)} already "
                         f"{verb}; pass --force to overwrite")
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    print(f"next steps: {root / 'HARNESS.md'}")
    return 0


__all__ = ["add_parser", "run"]
