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
_add({
    "app.title": ("Reshi Playground", "Reshi 调试台"),
    "app.language": ("Language", "语言"),
    "app.single_user": ("Single-user mode: no login configured (user “local”).",
                        "单用户模式：未配置登录（用户 “local”）。"),
    "app.admin": ("admin", "管理员"),
    "nav.chat": ("Chat", "对话"),
    "nav.images": ("Images", "图片"),
    "nav.video": ("Video", "视频"),
    "nav.upload": ("Upload", "上传"),
    "nav.usage": ("Usage", "用量"),
    "common.retry": ("Retry", "重试"),
    "auth.form": ("Log in", "登录"),
    "auth.username": ("Username", "用户名"),
    "auth.password": ("Password", "密码"),
    "auth.login": ("Log in", "登录"),
    "auth.logout": ("Log out", "退出登录"),
    "auth.please_login": ("Log in with the account your administrator gave you.",
                          "请使用管理员分配的账号登录。"),
    "auth.bad_credentials": ("Wrong username or password.", "用户名或密码错误。"),
    "auth.no_cookie_key": ("Login is configured but [auth] cookie_key in .streamlit/secrets.toml is missing or the "
                           "library's default. Set a long random cookie_key to start.",
                           "已配置登录，但 .streamlit/secrets.toml 中的 [auth] cookie_key 缺失或为库的默认值。"
                           "请设置一个足够长的随机 cookie_key。"),
    "conn.title": ("Connection", "连接"),
    "conn.mode": ("API", "API"),
    "conn.mode.sandbox": ("Sandbox (offline demo)", "沙盒（离线演示）"),
    "conn.mode.reshi123": ("reshi123", "reshi123"),
    "conn.mode.custom": ("Custom base URL", "自定义 Base URL"),
    "conn.mode.preset": ("Preset by admin", "管理员预设"),
    "conn.base_url": ("Base URL", "Base URL"),
    "conn.api_key": ("API key", "API 密钥"),
    "conn.api_key_help": ("Kept only in this browser session; never stored or logged.",
                          "仅保存在当前浏览器会话中，不会被存储或记录。"),
    "conn.upload_url": ("Upload URL (optional)", "上传地址（可选）"),
    "conn.sandbox_note": ("A local twin of the API: no key or credits needed, nothing leaves this machine.",
                          "本地的 API 仿真服务：无需密钥和积分，数据不会离开本机。"),
    "conn.preset_note": ("Using {base_url} with a key set by your administrator.",
                         "正在使用 {base_url}，密钥由管理员配置。"),
    "conn.summary": ("{base_url} · key {masked}", "{base_url} · 密钥 {masked}"),
    "conn.need_key": ("Paste an API key to connect.", "请粘贴 API 密钥以连接。"),
    "conn.test": ("Test connection", "测试连接"),
    "conn.ok": ("Connected: {count} models available.", "连接成功：可用模型 {count} 个。"),
})


# ---------------------------------------------------------------- chat (pages/chat.py)
_add({
    "chat.new_title": ("New chat", "新对话"),
    "chat.new_chat": ("New chat", "新对话"),
    "chat.conversations": ("Conversations", "对话列表"),
    "chat.rename": ("Title", "标题"),
    "chat.save": ("Save", "保存"),
    "chat.delete": ("Delete", "删除"),
    "chat.model": ("Model", "模型"),
    "chat.refresh_models": ("Reload the model list from /models", "从 /models 重新加载模型列表"),
    "chat.models_failed": ("Could not load the model list: {reason}", "无法加载模型列表：{reason}"),
    "chat.settings": ("Settings", "参数"),
    "chat.system_prompt": ("System prompt", "系统提示词"),
    "chat.system_placeholder": ("You are a helpful assistant.", "你是一个乐于助人的助手。"),
    "chat.stop_help": ("Stop sequences, one per line", "停止序列，每行一个"),
    "chat.show_earlier": ("Show earlier messages ({count} more)", "显示更早的消息（还有 {count} 条）"),
    "chat.empty_state": ("Ask anything. Replies stream in as they are written; the conversation is saved.",
                         "随便问点什么。回复会实时流式显示，对话会自动保存。"),
    "chat.placeholder": ("Message the model…", "给模型发消息…"),
    "chat.empty_prompt": ("The message is empty: type something first.", "消息为空，请先输入内容。"),
    "chat.huge_prompt": ("The message is too long (over 100,000 characters). Shorten it and send again.",
                         "消息过长（超过 100,000 个字符）。请缩短后再发送。"),
    "chat.retry": ("Retry", "重试"),
    "chat.incomplete": ("This reply was cut short: what arrived is kept. Retry for a full reply.",
                        "此回复未完整接收：已保留收到的部分。可重试以获得完整回复。"),
    "chat.meta_ttft": ("first token {seconds:.2f} s", "首字 {seconds:.2f} 秒"),
    "chat.meta_tps": ("{rate:.0f} tokens/s", "{rate:.0f} tokens/秒"),
    "chat.meta_tokens": ("{count} tokens", "{count} tokens"),
    "chat.meta_credits": ("{credits:g} credits", "{credits:g} 积分"),
})


# ---------------------------------------------------------------- images (pages/images.py)


# ---------------------------------------------------------------- upload (pages/upload.py)


# ---------------------------------------------------------------- video (pages/video.py)


# ---------------------------------------------------------------- usage (pages/usage.py)
