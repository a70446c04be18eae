"""Whole-process time of the pytest plugin over the bundled suites, side by side with another
commit (e.g. before a change): `pytest suites/ --harness-target A --harness-target B`, in replay
(the bundled cassettes) and live against simulators (--harness-simulate), alternated, best of N.

    python bench/plugin.py                       # this tree only
    python bench/plugin.py --ref 4704c51         # this tree vs that commit (a temporary worktree)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("mistral/mistral-medium-3.5", "empiriolabs/mistral-medium-3-1")
MODES = {"replay": (), "simulate": ("--harness-simulate",)}


def one(tree: Path, extra: tuple[str, ...], out: Path) -> float:
    args = [sys.executable, "-m", "pytest", "suites/", "-q", "-p", "no:cacheprovider",
            "--harness-out", str(out), *extra]
    for target in TARGETS:
        args += ["--harness-target", target]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("MISTRAL_API_KEY", None)
    env.pop("EMPIRIOLABS_API_KEY", None)
    t0 = time.perf_counter()
    done = subprocess.run(args, check=False, cwd=tree, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"pytest failed in {tree}:\n{done.stdout[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", help="another commit to time side by side (git rev)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    trees = {"this tree": ROOT}
    tmp = Path(tempfile.mkdtemp(prefix="bench-plugin-"))
    try:
        if args.ref:
            other = tmp / "ref"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach",
                            str(other), args.ref], check=True)
            trees = {args.ref: other, "this tree": ROOT}
        print(f"{'mode':<10}" + "".join(f"{name:>16}" for name in trees) + "  (best of "
              f"{args.repeats}, whole pytest process, s)")
        for mode, extra in MODES.items():
            best = {name: float("inf") for name in trees}
            for _ in range(args.repeats):
                for name, tree in trees.items():
                    best[name] = min(best[name], one(tree, extra, tmp / "out"))
            line = f"{mode:<10}" + "".join(f"{best[n]:>16.2f}" for n in trees)
            if len(trees) == 2:
                a, b = best.values()
                line += f"   this/ref {b / a:.2f}x"
            print(line, flush=True)
    finally:
        if args.ref:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(tmp / "ref")], check=False)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
