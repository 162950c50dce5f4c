"""``python -m surfaces list``: every registered surface as one strict JSON array on stdout.

Anything else prints one ``error: ...`` line on stderr, nothing on stdout, and exits 2.
"""

from __future__ import annotations

import json
import sys

USAGE = "usage: python -m surfaces list"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args != ["list"]:
        problem = "missing command" if not args else f"unknown command {' '.join(args)!r}"
        print(f"error: {problem}; {USAGE}", file=sys.stderr)
        return 2
    from surfaces import SURFACES

    print(json.dumps([s.describe() for s in SURFACES.values()], allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
