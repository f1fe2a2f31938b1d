"""A chat request as code the user can copy: Python (`openai` SDK), Python `requests`, cURL.

Each is the request exactly as it was sent (same URL, model, messages and parameters), with
the key replaced by the placeholder `sk-...` so that code on screen never holds a usable key.
Plus the raw view: the JSON body, and the server-sent events as they arrived. Streamlit-free.
"""

from __future__ import annotations

import json
import pprint

MASKED_KEY = "sk-..."


def _py(value, indent: int) -> str:
    """A Python literal of `value`, continuation lines indented to sit inside a call."""
    text = pprint.pformat(value, width=96 - indent, sort_dicts=False)
    return text.replace("\n", "\n" + " " * indent)


# The keyword arguments `client.chat.completions.create` takes (openai-python 1.x); any other key
# of a body (extra parameters: `top_k`, a provider's own) goes in `extra_body`, which the SDK
# merges into the JSON it sends, so the code sends the same body.
SDK_CHAT_ARGUMENTS = frozenset(
    (
        "model",
        "messages",
        "audio",
        "frequency_penalty",
        "function_call",
        "functions",
        "logit_bias",
        "logprobs",
        "max_completion_tokens",
        "max_tokens",
        "metadata",
        "modalities",
        "n",
        "parallel_tool_calls",
        "prediction",
        "presence_penalty",
        "prompt_cache_key",
        "reasoning_effort",
        "response_format",
        "safety_identifier",
        "seed",
        "service_tier",
        "stop",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "user",
        "verbosity",
        "web_search_options",
    )
)


def _kwargs(body: dict) -> str:
    known = {name: value for name, value in body.items() if name in SDK_CHAT_ARGUMENTS}
    extra = {name: value for name, value in body.items() if name not in SDK_CHAT_ARGUMENTS}
    if extra:
        known["extra_body"] = extra
    return "".join(f"    {name}={_py(value, 4)},\n" for name, value in known.items())


def python_openai(body: dict, base_url: str) -> str:
    call = (
        f'client = OpenAI(base_url={base_url!r}, api_key="{MASKED_KEY}")\n\n'
        f"response = client.chat.completions.create(\n{_kwargs(body)})\n\n"
    )
    if body.get("stream"):
        read = (
            "for chunk in response:\n"
            "    if chunk.choices and chunk.choices[0].delta.content:\n"
            '        print(chunk.choices[0].delta.content, end="", flush=True)\n'
            "print()\n"
        )
    else:
        read = "print(response.choices[0].message.content)\n"
    return f"from openai import OpenAI\n\n{call}{read}"


def python_requests(body: dict, base_url: str) -> str:
    stream = bool(body.get("stream"))
    call = (
        f"response = requests.post(\n"
        f'    "{base_url}/chat/completions",\n'
        f'    headers={{"Authorization": "Bearer {MASKED_KEY}"}},\n'
        f"    json={_py(body, 4)},\n"
        f"    stream={stream},\n"
        f"    timeout=120,\n)\nresponse.raise_for_status()\n\n"
    )
    if stream:
        read = (
            "for line in response.iter_lines():\n"
            '    line = line.decode("utf-8")\n'
            '    if line.startswith("data: ") and line != "data: [DONE]":\n'
            '        for choice in json.loads(line[len("data: "):]).get("choices") or []:\n'
            '            print(choice["delta"].get("content") or "", end="", flush=True)\n'
            "print()\n"
        )
    else:
        read = 'print(response.json()["choices"][0]["message"]["content"])\n'
    return f"import json\n\nimport requests\n\n{call}{read}"


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def curl(body: dict, base_url: str) -> str:
    flags = "-sN" if body.get("stream") else "-s"
    data = json.dumps(body, ensure_ascii=False, indent=2)
    return (
        f"curl {flags} {base_url}/chat/completions \\\n"
        f'  -H "Authorization: Bearer {MASKED_KEY}" \\\n'
        f'  -H "Content-Type: application/json" \\\n'
        f"  -d {_shell_quote(data)}\n"
    )


def request_json(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False, indent=2)


def raw_events(events: list[str], done: bool) -> str:
    """The stream as received, one `data:` line per event, ending with `[DONE]` if it came."""
    lines = [f"data: {event}" for event in events] + (["data: [DONE]"] if done else [])
    return "\n\n".join(lines)
