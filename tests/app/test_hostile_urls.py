"""URLs no parser agrees on, and IPv6 addresses that carry a private IPv4 one, typed into the
connection panel: a translated refusal, never a traceback, never a request."""

from __future__ import annotations

import pytest

from tests.app.test_network_guard import _connect_custom, _test_connection
from tests.fixtures.app import make_app


@pytest.mark.parametrize("base_url", ["http://0177.0.0.1/api/v1", "http://[::1/api/v1", "http://256.1.1.1/v1"])
def test_a_url_no_parser_agrees_on_is_refused_in_the_users_words(login_secrets, base_url):
    at = make_app(login_secrets, user="root")
    _connect_custom(at, base_url)
    _test_connection(at)
    assert not at.exception
    assert any("not a URL this server can read safely" in e.value for e in at.sidebar.error)


@pytest.mark.parametrize(
    "address",
    [
        "::127.0.0.1",
        "::ffff:127.0.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b:1::7f00:1",
        "2002:7f00:1::",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
    ],
)
def test_ipv6_forms_of_loopback_are_refused_as_private(login_secrets, address):
    at = make_app(login_secrets, user="root")
    _connect_custom(at, f"http://[{address}]:9/api/v1")
    _test_connection(at)
    assert not at.exception
    assert any("allow_private_networks" in e.value for e in at.sidebar.error)
