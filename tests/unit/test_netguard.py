"""The network guard: a guarded client never reaches refused addresses, however the URL gets there."""

from __future__ import annotations

import pytest

from lib import errors
from lib.client import ReshiClient
from lib.netguard import LOOPBACK, NetPolicy, networks
from lib.ui.error_text import error_text
from tests.fixtures.canary import PNG_1PX, Canary


def refusal(call) -> errors.RefusedAddressError:
    with pytest.raises(errors.RefusedAddressError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "::1",
        "169.254.169.254",
        "10.1.2.3",
        "192.168.1.20",
        "172.16.0.1",
        "100.64.0.1",
        "224.0.0.1",
        "0.0.0.0",
        "::ffff:127.0.0.1",
        "fe80::1",
        "fc00::1",
    ],
)
def test_internal_addresses_are_refused(address):
    assert refusal(lambda: NetPolicy().check_address("h", address)).rule == "private"


def test_public_addresses_pass_and_admin_allowed_networks_too():
    NetPolicy().check_address("h", "93.184.216.34")
    NetPolicy().check_address("h", "2606:4700::1111")
    NetPolicy(allowed_networks=networks(["10.0.0.0/8"])).check_address("h", "10.1.2.3")
    NetPolicy(allowed_networks=networks(True)).check_address("h", "169.254.169.254")
    assert (
        refusal(lambda: NetPolicy(allowed_networks=networks(["10.0.0.0/8"])).check_address("h", "192.168.1.1")).rule
        == "private"
    )


def test_allowed_hosts_patterns():
    policy = NetPolicy(allowed_hosts=("api.example.com", "*.example.org"))
    policy.check_host("API.example.com")
    policy.check_host("cdn.example.org")
    assert refusal(lambda: policy.check_host("example.org")).rule == "host"
    assert refusal(lambda: policy.check_host("api.example.com.evil.net")).rule == "host"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_guarded_client_sends_nothing_to_a_loopback_canary(canary, host):
    """`localhost` is a name, refused only because the guard resolves it at connect time."""
    port = canary.url.rsplit(":", 1)[1]
    with ReshiClient(f"http://{host}:{port}/api/v1", "sk-fake-for-canary", policy=NetPolicy(), max_retries=0) as client:
        assert refusal(client.models.list).rule == "private"
        assert refusal(lambda: client.images.generate("x")).rule == "private"
        assert refusal(lambda: client.chat.create("m", [{"role": "user", "content": "x"}])).rule == "private"
        assert refusal(lambda: client.uploads.upload_file(PNG_1PX, "a.png")).rule == "private"
        assert refusal(lambda: client.fetch_bytes(f"http://{host}:{port}/x.png", "image")).rule == "private"
    assert canary.requests == []


def test_ipv6_loopback_is_refused_before_connecting():
    with ReshiClient("http://[::1]:9/api/v1", "sk-fake", policy=NetPolicy(), max_retries=0) as client:
        assert refusal(client.models.list).rule == "private"


def test_allowed_hosts_refuse_an_unlisted_host_even_on_an_allowed_network(canary):
    policy = NetPolicy(allowed_networks=LOOPBACK, allowed_hosts=("api.example.com",))
    with ReshiClient(f"{canary.url}/api/v1", "sk-fake", policy=policy, max_retries=0) as client:
        assert refusal(client.models.list).rule == "host"
    assert canary.requests == []


def test_allowed_loopback_reaches_the_canary(canary):
    """The counterpart of the refusals: the same call goes through once loopback is allowed."""
    with ReshiClient(f"{canary.url}/api/v1", "sk-fake", policy=NetPolicy(allowed_networks=LOOPBACK)) as client:
        assert client.fetch_bytes(f"{canary.url}/x.png", "image") == PNG_1PX
    assert canary.requests == ["GET /x.png"]


@pytest.mark.parametrize("target_host", ["127.0.0.1", "127.0.0.2"])
def test_redirect_from_a_trusted_host_to_a_refused_one_is_not_followed(target_host):
    target = Canary(host=target_host)
    first = Canary(redirect_to=f"{target.url}/latest/meta-data/")
    try:
        with ReshiClient(f"{first.url}/api/v1", "sk-fake", policy=NetPolicy().trusting(first.url)) as client:
            assert refusal(lambda: client.fetch_bytes(f"{first.url}/video.mp4", "video")).rule == "private"
        assert first.requests == ["GET /video.mp4"] and target.requests == []
    finally:
        first.close()
        target.close()


def test_redirect_to_another_scheme_is_refused():
    first = Canary(redirect_to="file:///etc/passwd")
    try:
        with ReshiClient(f"{first.url}/api/v1", "sk-fake", policy=NetPolicy().trusting(first.url)) as client:
            assert refusal(lambda: client.fetch_bytes(f"{first.url}/a.png", "image")).rule == "scheme"
    finally:
        first.close()


def test_non_http_base_url_is_refused_by_name():
    with ReshiClient("ftp://files.example.com/api/v1", "sk-fake", policy=NetPolicy(), max_retries=0) as client:
        refused = refusal(client.models.list)
    assert refused.rule == "scheme" and "ftp" in error_text(refused, "en")


def test_query_in_base_url_cannot_smuggle_a_path(sandbox, api_key):
    """The reported attack: `...disable?` turned an image call into a POST to the control API."""
    smuggling = f"{sandbox.root_url}/sandbox/keys/{api_key}/disable?"
    with ReshiClient(smuggling, api_key, max_retries=0) as client:
        assert "?" not in client.base_url
        with pytest.raises(errors.ReshiError):
            client.images.generate("a fox")
    assert sandbox.control.key_info(api_key)["disabled"] is False


def test_trusted_sandbox_works_end_to_end_with_its_media(sandbox, api_key):
    with ReshiClient(sandbox.base_url, api_key, policy=NetPolicy().trusting(sandbox.base_url)) as client:
        uploaded = client.uploads.upload_file(PNG_1PX, "a.png")
        assert client.fetch_bytes(uploaded.url, "image") == PNG_1PX


def test_media_must_be_the_kind_expected(sandbox, api_key):
    with ReshiClient(sandbox.base_url, api_key) as client:
        uploaded = client.uploads.upload_file(PNG_1PX, "a.png")
        with pytest.raises(errors.MediaTypeError):
            client.fetch_bytes(uploaded.url, "video")


def test_refusal_names_the_rule_in_both_languages():
    refused = errors.RefusedAddressError("private", target="169.254.169.254")
    english, chinese = error_text(refused, "en", admin=True), error_text(refused, "zh", admin=True)
    assert "169.254.169.254" in english and "allow_private_networks" in english
    assert "169.254.169.254" in chinese and "[security]" in chinese and "服务器消息" not in chinese
    user = error_text(refused, "en")  # an ordinary user is not shown the operator's settings
    assert "169.254.169.254" in user and "[security]" not in user


def test_every_guarded_client_shares_one_tls_context():
    # Each tab builds a client; loading the CA bundle once per process instead of twice per tab.
    first = ReshiClient("https://api.example.com/v1", "sk-test", policy=NetPolicy())
    second = ReshiClient("https://other.example.com/v1", "sk-test", policy=NetPolicy())
    contexts = {id(client._http._transport._pool._ssl_context) for client in (first, second)}
    assert len(contexts) == 1
    assert first._http._transport._pool._ssl_context.verify_mode.name == "CERT_REQUIRED"
