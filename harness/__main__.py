"""`python -m harness` is the `harness` command."""

from __future__ import annotations

import sys

from harness.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
