"""The login cookie over https, in Chromium against `streamlit run` with a (self-signed) TLS
certificate: it is `Secure`, so it never travels in clear (issue 24). Over plain http (the
shared test server) it cannot be, or the browser would drop it."""

from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import Browser

from lib.accounts.auth import COOKIE_NAME
from tests.e2e.helpers import login
from tests.fixtures.app import start_app_server, stop_app_server, write_login_app


@pytest.fixture(scope="module")
def https_app(tmp_path_factory, sandbox) -> str:
    folder = tmp_path_factory.mktemp("https")
    write_login_app(folder, sandbox, f"sqlite:///{folder / 'store.db'}")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    url, process = start_app_server(
        folder, "server.log", ["--server.sslCertFile", str(cert), "--server.sslKeyFile", str(key)]
    )
    yield url
    stop_app_server(process)


def login_cookie(page) -> dict:
    return next(c for c in page.context.cookies() if c["name"] == COOKIE_NAME)


def test_the_login_cookie_is_secure_over_https(browser: Browser, https_app):
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    login(page, https_app, "alice")
    cookie = login_cookie(page)
    assert cookie["secure"], "the login cookie would travel in clear"
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    context.close()


def test_over_plain_http_the_cookie_is_still_set(page, app_url):
    login(page, app_url, "alice")
    assert not login_cookie(page)["secure"]
