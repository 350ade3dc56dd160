"""`python -m reader`: the command line (reader/cli.py)."""

import sys

from reader.cli import main

sys.exit(main())
