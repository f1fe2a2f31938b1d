"""Showing work to others: share links, slides, audience ballots, votes and the HTML report.
Streamlit-free."""
