"""Who may sign in: the users file and its command (`python -m lib.accounts`), and the login
rules that need no Streamlit (cookies that still count, password-guessing limits, the auth log).
The login form is lib/ui/auth.py. Kept light: importing it loads neither the store nor pandas."""
