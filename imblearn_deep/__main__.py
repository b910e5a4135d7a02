"""``python -m imblearn_deep`` and the ``imblearn-deep`` command."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``imblearn-deep`` command line; return its exit code."""
    # Imported here so that ``import imblearn_deep`` stays free of the CLI's imports.
    from .comparison._cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
