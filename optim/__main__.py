"""``python -m optim``: ``optim.cli`` with the experiments' commands (``train``) added.

The program's entry point is the one place where optim meets experiments: ``import optim`` and
every module it can import load nothing from ``experiments`` (tests/test_layout.py checks it).
"""

import sys

from experiments.cli import COMMANDS
from optim.cli import main

sys.exit(main(commands=COMMANDS))
