"""`harness` entry point: dispatch to a command; turn usage errors into exit 2, no traceback."""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from collections.abc import Sequence

from harness.cli import (
    cmd_audit,
    cmd_compare,
    cmd_gate,
    cmd_history,
    cmd_init,
    cmd_report,
    cmd_run,
    cmd_shadow,
    cmd_simulate,
    cmd_targets,
    cmd_validate,
)
from harness.core.errors import UsageError
from harness.core.hints import hint
from harness.core.secrets import Scrubber

COMMANDS = (cmd_run, cmd_report, cmd_compare, cmd_gate, cmd_history, cmd_validate, cmd_targets,
            cmd_simulate, cmd_audit, cmd_shadow, cmd_init)


_INVALID_CHOICE = re.compile(r"invalid choice: '?([^'\s]*)'? \(choose from (.*)\)$")


class _Parser(argparse.ArgumentParser):
    """argparse with one-paragraph errors (exit 2) and "did you mean" for misspelt flags,
    subcommands and choices."""

    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse's own usage errors: same exit code (2) and one paragraph, as ours.
        match = _INVALID_CHOICE.search(message)
        if match:
            choices = [c.strip().strip("'") for c in match.group(2).split(",")]
            message += hint(match.group(1), choices, "; did you mean {}?")
        self.print_usage(sys.stderr)
        sys.stderr.write(f"error: {message}\n")
        raise SystemExit(2)

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        ns, extras = self.parse_known_args(args, namespace)
        if extras:
            parser = self._command_parser(getattr(ns, "command", None))
            word = next((e for e in extras if e.startswith("-")), extras[0])
            options = [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
            parser.error(f"unrecognized argument {word}"
                         + hint(word.split("=", 1)[0], options, "; did you mean {}?"))
        return ns

    def _command_parser(self, command: str | None) -> argparse.ArgumentParser:
        """The subcommand's parser (its flags are the ones a misspelling is close to)."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and command in action.choices:
                return action.choices[command]  # type: ignore[no-any-return]
        return self


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("llm-contract-harness")
    except PackageNotFoundError:  # a source tree that is not installed
        from harness import __version__

        return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="harness",
        description="Contract-test and evaluate LLM chat APIs: run YAML suites against providers, "
        "check status codes, error envelopes, tool calls, JSON output, usage, cost and latency.",
    )
    parser.add_argument("--version", action="version", version=f"harness {_version()}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UsageError as exc:
        sys.stderr.write(Scrubber().scrub(f"error: {exc}") + "\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:  # `harness ... | head`: the reader left; exit as SIGPIPE would
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception:  # noqa: BLE001 (a bug: the traceback, every secret removed)
        sys.stderr.write(Scrubber().scrub(traceback.format_exc()))
        sys.stderr.write("error: internal error (a bug in the harness: please report it with "
                         "the traceback above, which has the keys removed)\n")
        return 70
