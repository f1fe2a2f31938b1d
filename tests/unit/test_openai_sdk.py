"""The official `openai` SDK, unchanged but for base URL and key, against the sandbox."""

from __future__ import annotations

import openai
import pytest


@pytest.fixture
def client(sandbox, api_key) -> openai.OpenAI:
    return openai.OpenAI(base_url=sandbox.base_url, api_key=api_key, max_retries=0)


def test_models_list(client):
    ids = [model.id for model in client.models.list()]
    assert "gemini-pro" in ids and "sora-2" in ids


def test_chat_completion(client):
    response = client.chat.completions.create(model="gemini-pro", messages=[{"role": "user", "content": "Hello!"}])
    assert response.choices[0].message.content.startswith('You said: "Hello!"')
    assert response.choices[0].finish_reason == "stop"
    assert response.usage.total_tokens > 0
    assert response._request_id.startswith("req_")


def test_chat_stream(client):
    plain = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello!"}])
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello!"}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_chat_stream_with_usage(client):
    stream = client.chat.completions.create(
        model="deepseek-chat",
        messages=[{"role": "user", "content": "Hello!"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0


def test_invalid_key_raises_authentication_error(sandbox):
    client = openai.OpenAI(base_url=sandbox.base_url, api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        client.models.list()
    assert caught.value.status_code == 401 and "sk-wrong" not in str(caught.value)


def test_no_credits_raises_api_status_error_402(sandbox):
    client = openai.OpenAI(base_url=sandbox.base_url, api_key=sandbox.control.add_key(credits=0), max_retries=0)
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="gemini-pro", messages=[{"role": "user", "content": "hi"}])
    assert caught.value.status_code == 402
