"""Every user-facing string, in English ("en") and Simplified Chinese ("zh").

Pages never show a literal: they call `t(key, lang, **fields)` (or `lib.ui.session.tr`, which
fills in the session's language). Keys are grouped by area; each area's block is owned by the
page of that name. A missing key or a missing language is a bug, caught by tests/unit/test_i18n.py.
"""
from __future__ import annotations

LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT_LANGUAGE = "en"


def language_from_locale(locale: str | None) -> str:
    """The UI language for a browser locale such as 'zh-CN' or 'en-US'."""
    return "zh" if (locale or "").lower().startswith("zh") else DEFAULT_LANGUAGE


def t(key: str, lang: str = DEFAULT_LANGUAGE, **fields) -> str:
    entry = STRINGS[key]
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**fields) if fields else text


STRINGS: dict[str, dict[str, str]] = {}


def _add(block: dict[str, tuple[str, str]]) -> None:
    for key, (en, zh) in block.items():
        assert key not in STRINGS, f"duplicate i18n key {key}"
        STRINGS[key] = {"en": en, "zh": zh}


# ---------------------------------------------------------------- errors (lib/errors.py)
_add({
    "error.error": ("Something went wrong talking to the API. Try again.",
                    "调用 API 时出错，请重试。"),
    "error.bad_request": ("The API refused the request as invalid. Check the parameters and try again.",
                          "API 认为请求无效。请检查参数后重试。"),
    "error.auth": ("The API key is missing or wrong (401). Paste a valid key in the sidebar under Connection.",
                   "API 密钥缺失或无效（401）。请在侧边栏“连接”中粘贴有效的密钥。"),
    "error.credits": ("Your credits ran out (402). Top up in the provider's console; nothing you typed is lost.",
                      "积分不足（402）。请在服务商控制台充值；您输入的内容不会丢失。"),
    "error.key_disabled": ("This API key was disabled in the provider's console (403). Enable it there or use another key.",
                           "该 API 密钥已在服务商控制台被禁用（403）。请在控制台启用或换用其他密钥。"),
    "error.not_found": ("The API answered 404: this resource does not exist (any more).",
                        "API 返回 404：该资源不存在（或已被删除）。"),
    "error.rate_limit": ("Too many requests (429). Wait a moment, then retry.",
                         "请求过于频繁（429）。请稍候再重试。"),
    "error.server": ("The API had a server error (5xx). Retry in a moment.",
                     "API 服务器出错（5xx）。请稍后重试。"),
    "error.timeout": ("The API did not answer in time. Retry, or check the base URL.",
                      "API 响应超时。请重试，或检查 Base URL。"),
    "error.connection": ("Could not connect to the API. Check the base URL and your network, then retry.",
                         "无法连接到 API。请检查 Base URL 和网络后重试。"),
    "error.malformed": ("The API sent an answer that could not be read (not valid JSON). Retry.",
                        "API 返回了无法解析的内容（不是有效的 JSON）。请重试。"),
    "error.stream_cut": ("The reply was cut short before it finished. The text received is kept; retry for a full reply.",
                         "回复在完成前中断。已收到的文字已保留；可重试以获得完整回复。"),
    "error.server_said": ("Server said: {message}", "服务器消息：{message}"),
})

# ---------------------------------------------------------------- common (app.py, lib/ui)


# ---------------------------------------------------------------- chat (pages/chat.py)


# ---------------------------------------------------------------- images (pages/images.py)


# ---------------------------------------------------------------- upload (pages/upload.py)


# ---------------------------------------------------------------- video (pages/video.py)


# ---------------------------------------------------------------- usage (pages/usage.py)
