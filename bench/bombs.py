"""Suite bombs: time and peak memory of refusing each hostile suite file.

    .venv/bin/python bench/bombs.py [--python PY] [--timeout S] [--limit-gib G] [--only NAME]

| bomb            | file                                                     | size    |
|-----------------|----------------------------------------------------------|---------|
| billion_laughs  | 9 anchors of 9 aliases each (10^9 nodes once expanded)   | ~1 KB   |
| nest_500        | a request value 500 flow lists deep                      | ~1 KB   |
| nest_100k       | a request value 100,000 flow lists deep                  | ~200 KB |
| merge_chain     | 5,000 anchors, each merging the previous one (`<<: *m`)  | ~150 KB |
| matrix_7x10     | one case, 7 matrix keys x 10 values (10^7 jobs), run     | ~1 KB   |
| suite_10mb      | 10 MB of valid cases, an unknown key on the last line    | 10 MB   |
| suite_50mb      | 50 MB of valid cases, an unknown key on the last line    | 50 MB   |

Each bomb runs in its own child process (`PY -m harness validate FILE`, `harness run` for the
matrix), under an address-space limit (RLIMIT_AS, --limit-gib) and a wall-clock timeout; the
child's peak resident memory is its own `ru_maxrss` (from `os.wait4`), so nothing the parent
holds is counted. Prints, per bomb: exit code, seconds, peak MiB and the first line of the
message. `--python /work/main/.venv/bin/python` (with the cwd of that checkout) measures
another checkout's code, for a before / after comparison.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASE = """  - id: case_{i}
    request:
      max_tokens: 16
      messages:
        - {{role: user, content: "Say something short about rivers, case {i}."}}
    expect:
      - status: 200
"""


def billion_laughs() -> str:
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, 10):
        refs = ", ".join([f"*l{n - 1}"] * 9)
        lines.append(f"lol{n}: &l{n} [{refs}]")
    return "suite: laughs\n" + "\n".join(lines) + "\ncases:\n  - id: a\n"


def nested(depth: int) -> str:
    return (
        "cases:\n  - id: deep\n    request:\n      messages: [{role: user, content: hi}]\n"
        f"      extra: {{deep: {'[' * depth}{']' * depth}}}\n"
    )


def merge_chain(n: int = 5000) -> str:
    """Each anchor merges the one before: building the last walks the whole chain."""
    lines = ["m0: &m0 {k0: 0}"] + [f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: {i}}}" for i in
                                      range(1, n)]
    return "\n".join(lines) + "\ncases:\n  - id: a\n"


def matrix() -> str:
    keys = ["temperature", "top_p", "presence_penalty", "frequency_penalty", "seed",
            "max_tokens", "extra.k"]
    rows = []
    for key in keys:
        if key in ("seed", "max_tokens"):
            values = [str(v + 1) for v in range(10)]
        else:
            values = [f"0.{v}" for v in range(10)]
        rows.append(f"      {key}: [{', '.join(values)}]")
    return (
        "cases:\n  - id: wide\n    request:\n      messages: [{role: user, content: hi}]\n"
        "    matrix:\n" + "\n".join(rows) + "\n"
    )


def big_suite(megabytes: int) -> str:
    target = megabytes * 1_000_000
    parts = ["suite: big\ncases:\n"]
    size, i = len(parts[0]), 0
    while size < target:
        chunk = CASE.format(i=i)
        parts.append(chunk)
        size += len(chunk)
        i += 1
    parts.append("    bogus_key_on_the_last_line: 1\n")
    return "".join(parts)


BOMBS: dict[str, tuple[Callable[[], str], str]] = {
    "billion_laughs": (billion_laughs, "validate"),
    "nest_500": (lambda: nested(500), "validate"),
    "nest_100k": (lambda: nested(100_000), "validate"),
    "merge_chain": (merge_chain, "validate"),
    "matrix_7x10": (matrix, "run"),
    "suite_10mb": (lambda: big_suite(10), "validate"),
    "suite_50mb": (lambda: big_suite(50), "validate"),
}


def argv_of(python: str, command: str, file: Path, out: Path) -> list[str]:
    if command == "run":
        return [python, "-m", "harness", "run", str(file), "--simulate", "--target",
                "mistral/mistral-medium-3.5", "--out", str(out), "-q"]
    return [python, "-m", "harness", "validate", str(file)]


def measure(argv: list[str], cwd: Path, timeout: float, limit: int) -> tuple[int | str, float,
                                                                             float, str]:
    """(exit code or 'timeout'/'signal N', seconds, peak MiB, first line of output)."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                preexec_fn=limit_memory)  # noqa: PLW1509 - no threads here
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > start + timeout:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - start
        proc.returncode = 0  # reaped by wait4 above
        code = "timeout" if timed_out else _code(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace").strip()
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if "Traceback" in text:
        first = "TRACEBACK: " + (text.splitlines()[-1] if text else "")
    peak_mib = usage.ru_maxrss / 1024  # Linux: KiB
    return code, seconds, peak_mib, first[:150]


def _code(status: int) -> int | str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return os.WEXITSTATUS(status)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--cwd", default=str(ROOT), help="checkout whose code the child runs")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--limit-gib", type=float, default=4.0)
    parser.add_argument("--only", action="append", default=[], choices=sorted(BOMBS))
    args = parser.parse_args(argv)
    limit = int(args.limit_gib * 1024**3)
    print(f"{'bomb':<16} {'exit':>10} {'seconds':>9} {'peak MiB':>9}  message")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (make, command) in BOMBS.items():
            if args.only and name not in args.only:
                continue
            file = Path(tmp) / f"{name}.yaml"
            file.write_text(make(), encoding="utf-8")
            code, seconds, peak, first = measure(
                argv_of(args.python, command, file, Path(tmp) / "reports"),
                Path(args.cwd), args.timeout, limit,
            )
            size = file.stat().st_size
            print(f"{name:<16} {code!s:>10} {seconds:>9.2f} {peak:>9.0f}  "
                  f"[{size:,} B] {first.replace(str(file), name + '.yaml')}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
