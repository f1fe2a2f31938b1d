"""Chains run without a person (lib/chat/tool_chain.py) against the sandbox, and the Workbench-style
checks "calls the tool X" and "the arguments of X match" over ten cases."""

from __future__ import annotations

import json

import pytest

from lib.chat import tool_chain, tools
from lib.client import ReshiClient

SETTINGS = {**tools.default_settings(), "tools": list(tools.STARTERS.values())}
CITIES = ["Paris", "Tokyo", "Lima", "Oslo", "Cairo", "Quito", "Hanoi", "Dakar", "Perth", "Riga"]


@pytest.fixture(params=("reshi", "new-api"))
def client(request, sandbox, api_key, sandbox_dialect):
    sandbox_dialect(request.param)
    with ReshiClient(sandbox.base_url, api_key, timeout=10) as opened:
        yield opened


def test_ten_cases_each_call_the_weather_tool_with_their_city_and_end_in_text(client):
    for city in CITIES:
        chain = tool_chain.run_chain(
            client, "gpt-4o-mini", [{"role": "user", "content": f"Weather in {city}?"}], SETTINGS
        )
        assert tool_chain.calls_tool(chain.calls, "get_weather").passed
        assert tool_chain.arguments_match(chain.calls, "get_weather", json.dumps({"city": city})).passed
        assert chain.steps == 1 and city in chain.text and not chain.reached_limit
        assert [m["role"] for m in chain.step_messages] == ["assistant", "tool"]


def test_the_checks_name_each_failure(client):
    chain = tool_chain.run_chain(client, "gpt-4o-mini", [{"role": "user", "content": "Weather in Oslo?"}], SETTINGS)
    calls = chain.calls
    assert tool_chain.calls_tool(calls, "calculator") == tool_chain.CallCheck(
        False, tool_chain.NOT_CALLED, "get_weather"
    )
    assert tool_chain.calls_tool([], "calculator").detail == "-"
    assert tool_chain.arguments_match(calls, "get_weather", '{"city": "Paris"}') == tool_chain.CallCheck(
        False, tool_chain.ARGUMENTS_DIFFER, '$.city: "Oslo" ≠ "Paris"'
    )
    assert tool_chain.arguments_match(calls, "get_weather", '{"city": "Oslo", "unit": "kelvin"}').detail == "$.unit: ∅"
    found = tool_chain.arguments_match(calls, "get_weather", '{"type": "object", "required": ["unit"]}')
    assert not found.passed and "'unit' is a required property" in found.detail
    assert tool_chain.arguments_match(calls, "get_weather", '{"type": "object", "required": ["city"]}').passed
    assert not tool_chain.arguments_match(calls, "get_weather", "{").passed
    assert tool_chain.arguments_match(calls, "calculator", "{}").problem == tool_chain.NOT_CALLED
    broken = [{"name": "get_weather", "arguments": "{city", "parsed": None}]
    assert tool_chain.arguments_match(broken, "get_weather", "{}") == tool_chain.CallCheck(
        False, tool_chain.ARGUMENTS_NOT_JSON, "{city"
    )


def test_a_chain_that_does_not_end_stops_at_its_limit_and_each_step_is_a_ledger_row(sandbox, api_key):
    rows = []
    with ReshiClient(sandbox.base_url, api_key, timeout=10, on_call=rows.append) as client:
        chain = tool_chain.run_chain(
            client, "gpt-4o-mini", [{"role": "user", "content": "Paris weather [tool-loop]"}], SETTINGS, max_steps=3
        )
    assert chain.reached_limit and chain.steps == 3 and len(chain.calls) == 3
    assert len(rows) == 3 and chain.credits == sum(r.credits for r in rows)


def test_a_call_without_a_mock_or_a_tool_gets_an_error_the_model_reads(sandbox, api_key):
    with ReshiClient(sandbox.base_url, api_key, timeout=10) as client:
        chain = tool_chain.run_chain(
            client, "gpt-4o-mini", [{"role": "user", "content": "hi [tool:launch_rocket]"}], SETTINGS
        )
    assert chain.calls[0]["name"] == "launch_rocket" and "no tool named launch_rocket" in chain.text
