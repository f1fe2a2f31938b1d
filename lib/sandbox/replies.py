"""Deterministic chat replies: the same messages and parameters always give the same Markdown.

A reply quotes what the user said, gives a short bulleted list, adds a fenced code block when
the prompt asks for code, and is in Chinese when the last user message contains CJK text.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from dataclasses import dataclass, field
from typing import TypedDict

from lib.sandbox import schema_answers, tool_calls

_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
# A token is one CJK character or one word, each with the whitespace before it, so joining the
# tokens gives the text back exactly and a stream shows words appearing with their spaces.
_TOKEN = re.compile(rf"\s*[{_CJK}]|\s*[^\s{_CJK}]+|\s+$")
_HAS_CJK = re.compile(rf"[{_CJK}]")
CODE_WORDS = (
    "code",
    "python",
    "function",
    "script",
    "program",
    "javascript",
    "sql",
    "```",
    "代码",
    "函数",
    "脚本",
    "程序",
    "编程",
)
QUOTE_CHARS = 80
# A prompt asking for length gets hundreds of tokens, so Stop, scrolling and tokens/s can be shown.
LONG_WORDS = ("long", "story", "essay", "detailed", "in depth", "长", "故事", "详细", "文章")
LONG_PARAGRAPHS = 6

BULLETS = {
    "en": [
        "This answer comes from the local sandbox, so it costs no real credits.",
        "Replies are deterministic: the same messages give the same text.",
        "Streaming sends one word per chunk, paced like a real model.",
        # The fault markers are named, not written: a reply quoted in a later prompt (a Workbench
        # judge's rubric) must not trigger them.
        "Put cut, 500 or 429 in square brackets in a prompt to rehearse failures.",
        "Markdown renders here: **bold**, *italics* and `inline code`.",
        "Long conversations keep their history; every turn is sent again.",
        "Switch the model in the sidebar to compare answers side by side.",
        "Set `max_tokens` to see a reply stop early with `finish_reason: length`.",
    ],
    "zh": [
        "这是本地沙盒的回答，不消耗真实积分。",
        "回复是确定的：相同的消息总是得到相同的文字。",
        "流式输出每个分块发送一个字,节奏与真实模型相近。",
        "在提示里用方括号写上 cut、500 或 429，可以演练故障。",
        "这里支持 Markdown：**粗体**、*斜体* 和 `行内代码`。",
        "长对话会保留历史，每一轮都会重新发送。",
        "在侧边栏切换模型，可以并排比较回答。",
        "设置 `max_tokens` 可以看到回复提前结束，`finish_reason` 为 `length`。",
    ],
}

SNIPPETS = [
    (
        'def greet(name: str) -> str:\n    """Say hello, sandbox style."""\n    return f"Hello, {name}!"\n\n'
        'print(greet("world"))'
    ),
    (
        "def fibonacci(n: int) -> list[int]:\n    numbers = [0, 1]\n    while len(numbers) < n:\n"
        "        numbers.append(numbers[-1] + numbers[-2])\n    return numbers[:n]\n\nprint(fibonacci(10))"
    ),
    (
        "from collections import Counter\n\ndef top_words(text: str, k: int = 3):\n"
        '    return Counter(text.lower().split()).most_common(k)\n\nprint(top_words("a b a c a b"))'
    ),
]

STORY = {
    "en": [
        "The lighthouse keeper counted the ships as the fog rolled in from the bay.",
        "Every evening the same gull landed on the railing and waited for bread.",
        "Far below, the harbour lights blinked on one by one like a slow answer.",
        "Nobody in the village remembered when the bell had last rung at midnight.",
        "She wrote each storm into a ledger, with the wind's direction and its mood.",
        "The radio crackled with a voice from a trawler that had lost its way.",
        "By morning the fog had gone, and the sea lay flat and silver to the horizon.",
        "Children raced along the pier, daring each other to touch the cold water.",
        "An old map in the cellar showed an island that no chart had named since.",
        "The keeper decided, at last, to row out and see whether it was still there.",
    ],
    "zh": [
        "灯塔看守人在雾气从海湾涌来时数着过往的船只。",
        "每天傍晚，同一只海鸥都会落在栏杆上等着面包。",
        "远处港口的灯一盏接一盏亮起，像一个缓慢的回答。",
        "村里没有人记得那口钟上一次在午夜敲响是什么时候。",
        "她把每一场风暴都记进账本，写下风向和它的脾气。",
        "收音机里传来一艘迷航渔船断断续续的呼叫。",
        "到了早上，雾散了，大海平静得像一面银色的镜子。",
        "孩子们沿着码头奔跑，互相打赌谁敢去摸冰冷的海水。",
        "地窖里的一张旧地图上画着一座后来再没有海图标注过的岛。",
        "看守人终于决定划船出海，看看那座岛是否还在。",
    ],
}

TEMPLATES = {
    "en": {
        "said": 'You said: "{quote}"',
        "images": "I saw {n} image(s) in your message.",
        "intro": "Here is a sandbox answer:",
        "code": "Here is some code:",
        "end": "Ask me anything else — I will answer just as quickly.",
    },
    "zh": {
        "said": "你说：“{quote}”",
        "images": "我在你的消息里看到了 {n} 张图片。",
        "intro": "这是一个沙盒回答：",
        "code": "下面是一段代码：",
        "end": "还有什么想问的，尽管问我。",
    },
}


# A reasoning model thinks first: a few sentences, more for a higher `reasoning_effort`.
THINKING_SENTENCES = {"minimal": 1, "low": 2, "medium": 4, "high": 7}
DEFAULT_EFFORT = "medium"


class _ThinkingWords(TypedDict):
    start: str  # a str.format template with {quote}
    steps: list[str]


THINKING: dict[str, _ThinkingWords] = {
    "en": {
        "start": 'The user wrote: "{quote}". Let me work out what they need.',
        "steps": [
            "First, I restate the question in my own words.",
            "The last message matters most; the earlier turns give context.",
            "A short answer with three points will be easiest to read.",
            "I should check whether code or an example would help.",
            "Let me make sure nothing in the answer contradicts the question.",
            "Markdown will make the structure clear.",
            "One more check of the wording, then I answer.",
        ],
    },
    "zh": {
        "start": "用户写道：“{quote}”。我来想想他们需要什么。",
        "steps": [
            "首先，我用自己的话复述这个问题。",
            "最后一条消息最重要，前面的对话提供背景。",
            "三点简短的回答最容易读。",
            "我要看看代码或例子是否有帮助。",
            "确认回答里没有和问题矛盾的地方。",
            "用 Markdown 能让结构更清楚。",
            "再检查一遍措辞，然后回答。",
        ],
    },
}
# Markers for replies asked in JSON: `[badjson]` a JSON answer that breaks the schema (with a
# schema; with `json_object`, text that is not JSON), `[notjson]` text that is not JSON at all.
BAD_JSON_MARKER, NOT_JSON_MARKER = "[badjson]", "[notjson]"
NOT_JSON_TEXT = "Sure! Here is the JSON you asked for:\n\n{answer: sandbox, valid: false"
MAX_TOP_LOGPROBS = 20
ALTERNATIVES = {
    "en": (" the", " a", " and", " to", " it", " this", ".", ",", " is", " of", " in", " we"),
    "zh": ("的", "是", "了", "在", "我", "这", "，", "。", "有", "和", "个", "你"),
}


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def content_text(content) -> tuple[str, int]:
    """(text, image count) of a message's content: a string or a list of OpenAI content parts."""
    if isinstance(content, str):
        return content, 0
    parts = content if isinstance(content, list) else []
    texts = [p.get("text", "") for p in parts if isinstance(p, dict) and p.get("type") == "text"]
    images = sum(1 for p in parts if isinstance(p, dict) and p.get("type") == "image_url")
    return "\n".join(texts), images


def last_user_content(messages: list[dict]) -> tuple[str, int]:
    for message in reversed(messages):
        if message.get("role") == "user":
            return content_text(message.get("content"))
    return "", 0


@dataclass
class Reply:
    """`tool_deltas` and `tool_calls` (the dialect's shapes) when the reply calls tools."""

    text: str
    finish_reason: str
    prompt_tokens: int
    tool_deltas: list[dict] = field(default_factory=list)
    tool_calls: list[dict] = field(default_factory=list)
    thinking: str = ""

    @property
    def tokens(self) -> list[str]:
        return tokenize(self.text) or [piece for d in self.tool_deltas for piece in _pieces(d)]

    def deltas(self) -> list[dict]:
        """What the stream sends after its first chunk, one delta per chunk."""
        return self.tool_deltas or [{"content": token} for token in self.tokens]


def _pieces(delta: dict) -> list[str]:
    return [json.dumps(call.get("function"), ensure_ascii=False) for call in delta.get("tool_calls", [])]


def compose(
    messages: list[dict],
    model: str,
    max_tokens: int | None = None,
    stop: str | list[str] | None = None,
    *,
    effort: str | None = None,
    response_format: dict | None = None,
    **params,
) -> Reply:
    """The reply to a chat request, cut at the first `stop` string and at `max_tokens`.
    `effort` (a reasoning model's): it thinks first, longer for a higher effort. A
    `response_format` asking for JSON gets JSON (valid for its schema, unless a marker says not)."""
    seed = json.dumps([messages, model, params], sort_keys=True, ensure_ascii=False, default=str)
    rng = random.Random(hashlib.sha256(seed.encode()).hexdigest())
    text, images = last_user_content(messages)
    full = tool_calls.results_answer(messages) or (
        _json_answer(rng, text, response_format) if response_format else None
    )
    full = full or _markdown(rng, text, images)
    reply, finish = _apply_stop(full, stop), "stop"
    tokens = tokenize(reply)
    if max_tokens is not None and len(tokens) > max_tokens:
        reply, finish = "".join(tokens[:max_tokens]), "length"
    prompt_tokens = sum(len(tokenize(content_text(m.get("content"))[0])) + 4 for m in messages)
    return Reply(reply, finish, prompt_tokens, thinking=_thinking(rng, text, effort) if effort else "")


def _thinking(rng: random.Random, text: str, effort: str) -> str:
    words = THINKING["zh" if _HAS_CJK.search(text) else "en"]
    quote = " ".join(text.split())[:QUOTE_CHARS] or "…"
    steps = words["steps"][: THINKING_SENTENCES.get(effort, THINKING_SENTENCES[DEFAULT_EFFORT])]
    return " ".join([words["start"].format(quote=quote), *steps])


def wants_json(response_format: dict | None) -> bool:
    return isinstance(response_format, dict) and response_format.get("type") in ("json_object", "json_schema")


def _json_answer(rng: random.Random, text: str, response_format: dict) -> str | None:
    """The JSON a `response_format` asks for; None for `text` (a Markdown answer)."""
    if not wants_json(response_format):
        return None
    kind = response_format.get("type")
    schema = (response_format.get("json_schema") or {}).get("schema") if kind == "json_schema" else None
    if NOT_JSON_MARKER in text or (BAD_JSON_MARKER in text and schema is None):
        return NOT_JSON_TEXT
    if schema is None:
        quote = " ".join(text.split())[:QUOTE_CHARS]
        return schema_answers.answer_text({"answer": rng.choice(schema_answers.WORDS), "you_said": quote})
    make = schema_answers.broken_for if BAD_JSON_MARKER in text else schema_answers.instance_for
    return schema_answers.answer_text(make(schema, rng))


def token_logprobs(token: str, top: int, lang: str = "en") -> dict:
    """OpenAI's logprobs entry for one token: its log probability and `top` alternatives (itself
    among them, most likely first), the same every time for the same token."""
    digest = hashlib.sha256(token.encode()).digest()
    chosen = 0.3 + 0.69 * digest[0] / 255  # p of the token itself
    rest, entries = 1 - chosen, [(token, chosen)]
    for index, alternative in enumerate(a for a in ALTERNATIVES[lang] if a != token):
        if len(entries) >= top:
            break
        share = rest * (0.5 + digest[index + 1] / 1020)
        rest -= share
        entries.append((alternative, share))
    entries.sort(key=lambda e: -e[1])

    def entry(text: str, p: float) -> dict:
        return {"token": text, "logprob": round(math.log(p), 5), "bytes": list(text.encode())}

    return {**entry(token, chosen), "top_logprobs": [entry(t, p) for t, p in entries[:top]]}


def language_of(text: str) -> str:
    return "zh" if _HAS_CJK.search(text) else "en"


def _markdown(rng: random.Random, text: str, images: int) -> str:
    """The text never names its model (a blind comparison would give it away); the model is in
    the seed, so each model still answers in its own words."""
    lang = "zh" if _HAS_CJK.search(text) else "en"
    words = TEMPLATES[lang]
    quote = " ".join(text.split()) or "…"
    if len(quote) > QUOTE_CHARS:
        quote = quote[:QUOTE_CHARS].rstrip() + "…"
    blocks = [words["said"].format(quote=quote)]
    if images:
        blocks.append(words["images"].format(n=images))
    bullets = rng.sample(BULLETS[lang], 3)
    blocks.append(words["intro"] + "\n\n" + "\n".join(f"- {b}" for b in bullets))
    if any(word in text.lower() for word in LONG_WORDS):
        blocks += [" ".join(rng.sample(STORY[lang], 4)) for _ in range(LONG_PARAGRAPHS)]
    if any(word in text.lower() for word in CODE_WORDS):
        blocks.append(words["code"] + "\n\n```python\n" + rng.choice(SNIPPETS) + "\n```")
    blocks.append(words["end"])
    return "\n\n".join(blocks)


def _apply_stop(text: str, stop: str | list[str] | None) -> str:
    stops = [stop] if isinstance(stop, str) else [s for s in (stop or []) if isinstance(s, str)]
    cuts = [text.find(s) for s in stops if s and s in text]
    return text[: min(cuts)] if cuts else text
