"""`python -m lib.accounts add|list|remove|quota ...`: see lib/accounts/users.py."""

import sys

from lib.accounts.users import main

if __name__ == "__main__":  # importing every module (tests/unit/test_i18n.py) must not run it
    sys.exit(main())
