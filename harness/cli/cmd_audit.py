"""`harness audit CASSETTES...`: judge recorded traffic against the contract checks."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.core.errors import UsageError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "audit",
        help="run the contract checks on recorded traffic (vcrpy cassettes)",
        description="Read every interaction of the given cassettes (files or folders; stock "
        "vcrpy format and pydantic-ai's parsed_body variant, gzip bodies, #stream URIs), detect "
        "each one's provider, dialect and endpoint, and run the checks that apply: response "
        "schema, usage, finish reason, tool calls against the recorded request's tools, JSON "
        "output against its response format, stream grammar, error envelope and class. Writes "
        "a run folder (mode 'audit', one row per interaction) with the usual reports. Exit 0 "
        "when every interaction passed, 1 when one failed, 2 on a usage error.",
    )
    p.add_argument("cassettes", nargs="+", metavar="CASSETTE_OR_DIR",
                   help="cassette files (.yaml/.yml) or folders holding them")
    p.add_argument("--prices", action="append", default=[], metavar="FILE",
                   help="price table in LiteLLM's model_prices_and_context_window.json format, "
                   "used for models the provider catalogue does not price (repeatable)")
    p.add_argument("--providers", action="append", default=[], metavar="FILE",
                   help="extra providers file (prices of your own models; repeatable)")
    p.add_argument("--openapi", action="store_true",
                   help="also validate every answer against its provider's official OpenAPI "
                   "spec (known deviations patched; the Anthropic spec needs --specs-dir)")
    p.add_argument("--specs-dir", default=None, metavar="DIR",
                   help="folder of full OpenAPI specs (sets HARNESS_SPECS_DIR)")
    p.add_argument("--out", default="reports", metavar="DIR",
                   help="folder for run folders (default reports/)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the verdict line")
    p.set_defaults(handler=run)


def breakdown(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Lines of figures: interactions and passes by provider, endpoint and error class."""
    total = len(rows)
    passed = sum(1 for r in rows if r.get("passed"))
    lines = [f"audit: {total} interactions, {passed} passed, {total - passed} failed"]
    by_provider: Counter[str] = Counter()
    ok_provider: Counter[str] = Counter()
    for r in rows:
        key = f"{r.get('provider')} ({r.get('dialect')}) {r.get('endpoint')}"
        by_provider[key] += 1
        ok_provider[key] += bool(r.get("passed"))
    for key in sorted(by_provider):
        lines.append(f"  {key}: {by_provider[key]} ({ok_provider[key]} passed)")
    classes = Counter(str(r.get("error_class")) for r in rows if r.get("error_class"))
    if classes:
        lines.append("  error classes: " + ", ".join(f"{k} {v}" for k, v in sorted(classes.items())))
    variants = Counter(str(r.get("error_variant")) for r in rows if r.get("error_variant"))
    if variants:
        lines.append("  error shapes: " + ", ".join(f"{k} {v}" for k, v in sorted(variants.items())))
    priced = [r for r in rows if r.get("cost_usd") is not None]
    with_usage = [r for r in rows if r.get("prompt_tokens") is not None]
    if with_usage:
        total_cost = sum(float(r["cost_usd"]) for r in priced)
        lines.append(
            f"  cost: ${total_cost:.6f} over {len(priced)} priced interactions "
            f"({len(with_usage) - len(priced)} with usage but no known price)"
        )
    return lines


def run(args: argparse.Namespace) -> int:
    if args.specs_dir and not Path(args.specs_dir).is_dir():
        raise UsageError(f"--specs-dir {args.specs_dir}: no such folder")
    saved_dir = os.environ.get("HARNESS_SPECS_DIR")
    if args.specs_dir:
        os.environ["HARNESS_SPECS_DIR"] = args.specs_dir
    try:
        return _audit(args)
    finally:
        if args.specs_dir:
            if saved_dir is None:
                os.environ.pop("HARNESS_SPECS_DIR", None)
            else:
                os.environ["HARNESS_SPECS_DIR"] = saved_dir


def _price_books(paths: Sequence[str]) -> list[Any]:
    from harness.providers.rates import PriceBook

    books = []
    for path in paths:
        try:
            books.append(PriceBook.load(path))
        except FileNotFoundError:
            raise UsageError(f"--prices {path}: no such file") from None
        except (OSError, ValueError) as exc:
            raise UsageError(f"--prices {path}: not a readable price table ({exc})") from None
    return books


def _audit(args: argparse.Namespace) -> int:
    from harness.audit import AuditOptions, CassetteError, Prices, audit_paths, available_specs
    from harness.providers.catalogue import load_catalogue
    from harness.session import Run, RunSettings
    from harness.session.plan import rows_plan

    books = _price_books(args.prices)
    catalogue = load_catalogue(args.providers)
    settings = RunSettings(out=args.out, argv=tuple(sys.argv[1:]), runner="audit",
                           providers=tuple(args.providers))
    with Run(rows_plan(settings, "audit")) as run:
        options = AuditOptions(
            prices=Prices(catalogue=catalogue, books=books), openapi=args.openapi,
            run_id=run.run_id, specs_available=available_specs() if args.openapi else None,
        )
        try:
            result = audit_paths(args.cassettes, options)
        except CassetteError as exc:
            run.discard(remove=True)
            raise UsageError(str(exc)) from None
        if not result.rows:
            run.discard(remove=True)
            where = ", ".join(args.cassettes)
            raise UsageError(f"no recorded interaction found in {where} (no *.yaml / *.yml cassette)")
        run.add_rows(result.rows)
        outcome = run.finish(
            suites=sorted({str(r["suite"]) for r in result.rows}),
            targets=sorted({str(r["target"]) for r in result.rows}),
            jobs=len(result.rows), cassettes=[str(f) for f in result.files],
            skipped=result.skipped, prices=list(args.prices), openapi=bool(args.openapi),
        )
    return _verdict(outcome, result, quiet=args.quiet)


def _verdict(outcome: Any, result: Any, quiet: bool) -> int:
    from harness.session.terminal import summary_lines

    if not quiet:
        lines = summary_lines(outcome)
        for line in lines[:-1]:
            print(line)
        for line in breakdown(outcome.rows):
            print(line)
        print(lines[-1])
    for note in result.skipped:
        print(f"skipped: {note}")
    # A .yaml file that does not even parse is a damaged cassette, not some other YAML: it
    # must not let the audit pass as if it held nothing.
    damaged = [note for note in result.skipped if "not valid YAML" in note]
    rows = outcome.rows
    verdict = "PASS" if not outcome.failed and not damaged else "FAIL"
    print(
        f"{verdict}: {len(rows) - outcome.failed}/{len(rows)} recorded interactions "
        f"passed ({len(result.files)} cassettes"
        + (f"; {len(damaged)} damaged file(s) could not be read" if damaged else "")
        + f"); run folder {outcome.run_dir}"
    )
    return 0 if verdict == "PASS" else 1
