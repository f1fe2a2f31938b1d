"""Shared fixtures live in tests/fixtures/, one module per concern, loaded here."""

pytest_plugins = [
    "tests.fixtures.sandbox",
    "tests.fixtures.postgres",
    "tests.fixtures.app",
    "tests.fixtures.canary",
    "tests.fixtures.replicas",
]
