"""The training commands' shared tail: one exit code for each outcome, the same in every command.

    @command
    def main(argv: list[str] | None = None) -> int: ...

    if __name__ == "__main__":
        sys.exit(main())

An input that must be made or installed first (a data set, a trained model, the fonts: every
FileNotFoundError, DataNotFoundError and FontsMissingError among them) is one line on stderr,
never a traceback, and exit code 1; success is 0; argparse's usage errors stay 2.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

EXIT_OK = 0
EXIT_MISSING_INPUT = 1


def command(main: Callable[[list[str] | None], int | None]) -> Callable[[list[str] | None], int]:
    """Wrap a command's main(argv): a missing input becomes 'error: ...' on stderr and EXIT_MISSING_INPUT."""

    @functools.wraps(main)
    def run(argv: list[str] | None = None) -> int:
        try:
            return main(argv) or EXIT_OK
        except FileNotFoundError as err:
            print(f"error: {err}", file=sys.stderr)
            return EXIT_MISSING_INPUT

    return run
