"""`python -m lib.workbench run SUITE.toml ...`: see lib/workbench/cli.py."""

import sys

from lib.workbench.cli import main

if __name__ == "__main__":  # importing every module (tests/unit/test_i18n.py) must not run it
    sys.exit(main())
