"""`harness targets`: list the provider catalogue with prices and limits."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "targets", help="list known providers and models with prices",
        description="List every target (provider/model) of the built-in catalogue and of the "
        "--providers files: dialect, prices per million tokens and per call, context window, "
        "output limit and the environment variable the key is read from.",
    )
    p.add_argument("--providers", action="append", default=[], metavar="FILE",
                   help="extra providers file (repeatable)")
    p.set_defaults(handler=run)


def _fmt(value: float | None, unit: str = "") -> str:
    return "unknown" if value is None else f"${value:g}{unit}"


def run(args: argparse.Namespace) -> int:
    from harness.providers.catalogue import load_catalogue

    catalogue = load_catalogue(args.providers)
    header = ("target", "dialect", "input/1M", "output/1M", "per call", "context", "max out", "key env")
    rows = []
    for t in catalogue.targets():
        p = t.model.price
        fees = ", ".join(f"{k} ${v:g}" for k, v in sorted(p.per_call.items())) or "-"
        rows.append((
            t.name, t.dialect, _fmt(p.input_per_m), _fmt(p.output_per_m), fees,
            str(t.model.context_window or "?"), str(t.model.max_output or "-"),
            t.provider.api_key_env or "-",
        ))
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    return 0
