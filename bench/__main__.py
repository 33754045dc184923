"""Entry point of `python -m bench` (guarded: writer processes are spawned and re-import it)."""

from __future__ import annotations

import sys

from bench.cli import main

if __name__ == "__main__":
    sys.exit(main())
