"""`python -m lib.store migrate|backup|restore|copy|revision ...`: see lib/store/cli.py."""

import sys

from lib.store.cli import main

if __name__ == "__main__":  # importing every module (tests/unit/test_i18n.py) must not run it
    sys.exit(main())
