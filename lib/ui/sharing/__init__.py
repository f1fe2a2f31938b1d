"""Sharing on screen: share links (the owner's dialog and the signed-out viewer), presentation
mode, votes, ballots and the leaderboard."""
