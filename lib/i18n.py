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
    "error.credits": ("Your credits ran out. Top up in the provider's console; nothing you typed is lost.",
                      "积分（额度）已用完。请在服务商控制台充值；您输入的内容不会丢失。"),
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
    "feedback.open_connection": ("Open “Connection” in the sidebar to paste or change the API key.",
                                 "打开侧边栏的“连接”以粘贴或更换 API 密钥。"),
    "auth.form": ("Log in", "登录"),
    "auth.username": ("Username", "用户名"),
    "auth.password": ("Password", "密码"),
    "auth.login": ("Log in", "登录"),
    "auth.logout": ("Log out", "退出登录"),
    "auth.please_login": ("Log in with the account your administrator gave you.",
                          "请使用管理员分配的账号登录。"),
    "auth.bad_credentials": ("Wrong username or password.", "用户名或密码错误。"),
    "auth.no_cookie_key": ("Login is configured but [auth] cookie_key in .streamlit/secrets.toml is missing, "
                           "shorter than {length} characters or a placeholder. Set a long random cookie_key "
                           "to start.",
                           "已配置登录，但 .streamlit/secrets.toml 中的 [auth] cookie_key 缺失、短于 {length} "
                           "个字符或仍是示例占位值。请设置一个足够长的随机 cookie_key。"),
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
    "chat.draft_files": ("Attached to your next message:", "将随下一条消息发送："),
    "chat.draft_clear": ("Remove", "移除"),
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
    "chat.meta_tps": ("{rate:.0f} tokens/s", "{rate:.0f} Token/秒"),
    "chat.meta_tokens": ("{count} tokens", "{count} 个 Token"),
    "chat.meta_credits": ("credits: {credits:g}", "积分：{credits:g}"),
    "chat.system_help": ("May hold {{variables}}: you fill them in before the first message.",
                         "可以包含 {{变量}}：发送第一条消息前会请你填写。"),
    "chat.stopped_note": ("Stopped: the part that arrived is kept.", "已停止：已收到的部分已保存。"),
    "chat.incomplete_short": ("Cut short: the part that arrived is kept.", "回复被截断：已收到的部分已保存。"),
    "chat.copy": ("Copy", "复制"),
    "chat.regenerate": ("Regenerate", "重新生成"),
    "chat.edit": ("Edit", "编辑"),
    "chat.edit_label": ("Your message", "你的消息"),
    "chat.edit_send": ("Save and resend", "保存并重新发送"),
    "chat.cancel_send": ("Cancel", "取消"),
    "chat.stop": ("Stop", "停止"),
    # compare
    "chat.compare": ("Compare", "对比"),
    "chat.compare_help": ("Send each message to 2 or 3 models at once and see their replies side by side.",
                          "把每条消息同时发给 2 到 3 个模型，并排查看它们的回答。"),
    "chat.compare_models": ("Models to compare (2-3)", "对比的模型（2 到 3 个）"),
    "chat.compare_placeholder": ("Pick 2 or 3 models", "选择 2 到 3 个模型"),
    "chat.compare_pick_two": ("Pick at least two models to compare; until then messages go to one model.",
                              "请至少选择两个模型进行对比；在此之前消息只发给一个模型。"),
    "chat.keep": ("Keep this answer", "保留这个回答"),
    "chat.keep_help": ("Keep this model's answer as the reply, drop the others, and go on with this model.",
                       "把这个模型的回答作为正式回复，舍弃其他回答，并用这个模型继续对话。"),
    # attachments
    "chat.file_refused": ("{name} cannot be sent: {reason}", "{name} 无法发送：{reason}"),
    "chat.send_without": ("Send without it", "不带它发送"),
    "chat.upload_failed": ("The image upload failed. {reason}", "图片上传失败。{reason}"),
    "chat.send_inline": ("Send inline as base64", "以 base64 内嵌发送"),
    "chat.send_inline_help": ("Puts the image itself in the request as a data URL instead of a link. "
                              "Larger requests, but no upload needed.",
                              "把图片本身以 data URL 的形式放进请求，而不是链接。请求会更大，但无需上传。"),
    "chat.image_expired": ("expired (uploads are deleted after 3 days)", "已过期（上传的图片 3 天后删除）"),
    # variables
    "chat.variables_title": ("**Fill in the variables** before sending:", "发送前请**填写变量**："),
    "chat.variables_send": ("Send", "发送"),
    # View code
    "chat.view_code": ("View code", "查看代码"),
    "chat.code_title": ("The last request as code", "最近一次请求的代码"),
    "chat.code_nothing": ("Send a message first: the code of the last request shows here.",
                          "请先发送一条消息，这里会显示最近一次请求的代码。"),
    "chat.code_model": ("Request to", "请求的模型"),
    "chat.code_help": ("Exactly as sent: same model, messages and parameters. The key is shown as `{masked}`: "
                       "put yours in its place.",
                       "与实际发送的完全一致：相同的模型、消息和参数。密钥显示为 `{masked}`，使用时请换成你自己的。"),
    "chat.code_openai": ("Python (openai)", "Python（openai）"),
    "chat.code_requests": ("Python (requests)", "Python（requests）"),
    "chat.code_raw": ("Raw", "原始数据"),
    "chat.code_request": ("Request body", "请求体"),
    "chat.code_events": ("Stream events received ({count})", "收到的流式事件（{count} 个）"),
    # presets
    "chat.presets": ("Presets", "预设"),
    "chat.preset_pick": ("Preset", "预设"),
    "chat.preset_no_system": ("No system prompt.", "没有系统提示词。"),
    "chat.preset_apply": ("Apply", "应用"),
    "chat.preset_applied": ("Preset “{name}” applied.", "已应用预设“{name}”。"),
    "chat.preset_name": ("Save the current settings as", "把当前设置保存为"),
    "chat.preset_name_placeholder": ("Preset name", "预设名称"),
    "chat.preset_save": ("Save preset", "保存预设"),
    "chat.preset_saved": ("Preset “{name}” saved.", "预设“{name}”已保存。"),
    "chat.preset_name_empty": ("Give the preset a name first.", "请先给预设起个名字。"),
    "chat.preset_name_long": ("The name is too long (60 characters at most).", "名称太长（最多 60 个字符）。"),
    # export and import
    "chat.export": ("Export", "导出"),
    "chat.export_markdown": ("Markdown (.md)", "Markdown（.md）"),
    "chat.export_json": ("JSON (.json, can be imported)", "JSON（.json，可再导入）"),
    "chat.role_user": ("You", "你"),
    "chat.role_assistant": ("Assistant", "助手"),
    "chat.import": ("Import", "导入"),
    "chat.import_label": ("A conversation exported as JSON", "以 JSON 导出的对话"),
    "chat.import_go": ("Import this conversation", "导入这个对话"),
    "chat.imported": ("Imported “{title}”.", "已导入“{title}”。"),
    "chat.import_refused": ("This file was not imported: {reason} Nothing was changed.",
                            "未导入此文件：{reason}没有做任何更改。"),
    "chat.import_too_big": ("it is larger than {limit} MB.", "文件超过 {limit} MB。"),
    "chat.import_not_json": ("it is not a JSON file (or not UTF-8 text).", "它不是 JSON 文件（或不是 UTF-8 文本）。"),
    "chat.import_wrong_format": ("it is not a conversation exported from this playground.",
                                 "它不是从本平台导出的对话。"),
    "chat.import_wrong_version": ("its format version ({version}) is not one this app reads.",
                                  "其格式版本（{version}）无法识别。"),
    "chat.import_bad_field": ("the field `{field}` is missing or has the wrong type.", "字段 `{field}` 缺失或类型错误。"),
    "chat.import_too_many": ("it holds more than {limit} messages.", "消息超过 {limit} 条。"),
})


# ---------------------------------------------------------------- images (pages/images.py)
_add({
    "images.title": ("Images", "图片生成"),
    "images.intro": ("Gemini images from a text prompt. Several are requested at once, and each one shows up as soon "
                     "as it is ready. Every image is kept in your gallery below.",
                     "根据文字提示词生成 Gemini 图片。多张图片会同时请求，每张生成好就立即显示，并保存在下方的图库中。"),
    "images.prompt": ("Prompt", "提示词"),
    "images.prompt_placeholder": ("Describe the image you want…", "描述你想要的图片…"),
    "images.examples": ("Start from an example", "从示例开始"),
    "images.example.1": ("A red fox in fresh snow at dawn, soft light, photo", "清晨新雪中的一只红狐狸，柔和光线，摄影风格"),
    "images.example.2": ("A cozy reading nook with plants and a cat, watercolor", "摆满绿植、有只猫的温馨阅读角，水彩画"),
    "images.example.3": ("Isometric city block at night with neon signs", "夜晚霓虹灯下的等距视角城市街区"),
    "images.example.4": ("A bowl of ramen, studio lighting, top view", "一碗拉面，棚拍灯光，俯视角度"),
    "images.count": ("Number of images", "图片数量"),
    "images.estimate": ("Estimated cost: {credits:g} credits ({count} × {each:g})",
                        "预计消耗：{credits:g} 积分（{count} × {each:g}）"),
    "images.generate": ("Generate", "生成"),
    "images.empty_prompt": ("The prompt is empty: describe the image first.", "提示词为空，请先描述图片。"),
    "images.huge_prompt": ("The prompt is too long (over 4,000 characters). Shorten it and try again.",
                           "提示词过长（超过 4,000 个字符）。请缩短后重试。"),
    "images.progress": ("Generating {count} image(s)…", "正在生成 {count} 张图片…"),
    "images.progress_count": ("{done} of {count} ready", "已完成 {done}/{count}"),
    "images.waiting": ("Waiting for image {number}…", "正在等待第 {number} 张图片…"),
    "images.done": ("{ok} of {count} image(s) ready", "{count} 张中已生成 {ok} 张"),
    "images.failed_some": ("{failed} of {count} image(s) failed. Your prompt is kept.",
                           "{count} 张中有 {failed} 张生成失败。提示词已保留。"),
    "images.gallery": ("Your images", "我的图片"),
    "images.gallery_empty": ("No images yet. Write a prompt above and press Generate.",
                             "还没有图片。在上方输入提示词并点击“生成”。"),
    "images.meta": ("{time} · {credits:g} credits", "{time} · {credits:g} 积分"),
    "images.via_url": ("delivered as a URL", "以 URL 形式返回"),
    "images.download": ("Download", "下载"),
    "images.use_in_chat": ("Use in chat: attach to a new chat message", "在对话中使用：附加到新对话消息"),
    "images.delete": ("Delete", "删除"),
    "images.deleted": ("Image deleted.", "图片已删除。"),
    "images.reuse": ("Reuse prompt", "复用提示词"),
    "images.get_link": ("Upload to get a link", "上传以获取链接"),
    "images.link": ("Link, {expiry}:", "链接（{expiry}）："),
    "images.show_more": ("Show more ({count} more)", "显示更多（还有 {count} 张）"),
})


# ---------------------------------------------------------------- upload (pages/upload.py)
_add({
    "upload.title": ("Upload", "上传图片"),
    "upload.intro": ("Upload JPG, PNG, GIF or WebP images (at most 10 MB each) to get a public link. "
                     "The provider deletes each file 3 days after upload.",
                     "上传 JPG、PNG、GIF 或 WebP 图片（每张不超过 10 MB）以获取公开链接。服务商会在上传 3 天后删除文件。"),
    "upload.tab_files": ("Files", "文件"),
    "upload.tab_base64": ("Base64", "Base64"),
    "upload.files_label": ("Drop images here (several at once) or browse", "将图片拖到此处（可多选）或点击选择"),
    "upload.send_files": ("Upload", "上传"),
    "upload.b64_label": ("Data URL or raw base64", "Data URL 或纯 base64 文本"),
    "upload.b64_placeholder": ("data:image/png;base64,iVBORw0KGgo…", "data:image/png;base64,iVBORw0KGgo…"),
    "upload.b64_name": ("File name", "文件名"),
    "upload.send_b64": ("Upload", "上传"),
    "upload.refused": ("**{name}** was not sent: {reason}", "**{name}** 未上传：{reason}"),
    "upload.refused_empty": ("the file is empty.", "文件为空。"),
    "upload.refused_too_big": ("it is {size} MB and the limit is 10 MB.", "文件大小为 {size} MB，超过 10 MB 的上限。"),
    "upload.refused_type": ("its content is not a JPG, PNG, GIF or WebP image, whatever its name says.",
                            "无论文件名如何，其内容都不是 JPG、PNG、GIF 或 WebP 图片。"),
    "upload.refused_unreadable": ("the image is damaged or incomplete and cannot be read.",
                                  "图片已损坏或不完整，无法读取。"),
    "upload.b64_bad_data_url": ("this data URL is not base64 (it should start like data:image/png;base64,).",
                                "该 Data URL 不是 base64 格式（应以 data:image/png;base64, 开头）。"),
    "upload.b64_empty": ("there is no base64 text to decode.", "没有可解码的 base64 文本。"),
    "upload.b64_invalid": ("the text is not valid base64.", "该文本不是有效的 base64。"),
    "upload.sent": ("**{name}** uploaded.", "**{name}** 已上传。"),
    "upload.failed": ("**{name}** could not be uploaded:", "**{name}** 上传失败："),
    "upload.list": ("Your uploads", "我的上传"),
    "upload.list_empty": ("Nothing uploaded yet.", "还没有上传任何文件。"),
    "upload.expires_on": ("Expires {date} · {countdown}", "过期时间 {date} · {countdown}"),
    "upload.expires_day": ("expires in {days} day {hours} h", "{days} 天 {hours} 小时后过期"),
    "upload.expires_days": ("expires in {days} days {hours} h", "{days} 天 {hours} 小时后过期"),
    "upload.expires_hours": ("expires in {hours} h {minutes} min", "{hours} 小时 {minutes} 分钟后过期"),
    "upload.expires_minutes": ("expires in {minutes} min", "{minutes} 分钟后过期"),
    "upload.expired": ("expired", "已过期"),
    "upload.expired_note": ("Expired: the provider has deleted this file and the link no longer works.",
                            "已过期：服务商已删除该文件，链接已失效。"),
    "upload.expiry_unknown": ("expiry unknown", "过期时间未知"),
    "upload.remove": ("Remove from list", "从列表移除"),
    "upload.size_name": ("{size} · stored as {stored}", "{size} · 存储名 {stored}"),
})


# ---------------------------------------------------------------- video (pages/video.py)
_add({
    "video.title": ("Sora video", "Sora 视频"),
    "video.intro": ("Describe a scene; the video is made in the background. Progress updates live, and the list "
                    "survives a reload or a new tab.",
                    "描述一个场景，视频将在后台生成。进度实时更新，刷新页面或打开新标签页后任务列表依然保留。"),
    "video.prompt": ("Prompt", "提示词"),
    "video.prompt_placeholder": ("A cute cat playing in a sunny garden", "一只可爱的猫咪在阳光明媚的花园里玩耍"),
    "video.model": ("Model", "模型"),
    "video.model.sora-2": ("sora-2 · standard", "sora-2 · 标准"),
    "video.model.sora-2-pro": ("sora-2-pro · HD", "sora-2-pro · 高清"),
    "video.duration": ("Duration (seconds)", "时长（秒）"),
    "video.aspect_ratio": ("Aspect ratio", "宽高比"),
    "video.ratio.16:9": ("16:9 landscape", "16:9 横屏"),
    "video.ratio.9:16": ("9:16 portrait", "9:16 竖屏"),
    "video.ratio.1:1": ("1:1 square", "1:1 方形"),
    "video.cost": ("Cost: **{credits:g} credits**", "费用：**{credits:g} 积分**"),
    "video.cost_note": ("Charged when the task is created; refunded if it fails.",
                        "创建任务时扣除，生成失败将退还。"),
    "video.confirm_hd": ("Yes, spend {credits:g} credits on this HD video", "确认为这个高清视频花费 {credits:g} 积分"),
    "video.confirm_needed": ("HD videos are expensive: tick the box above to confirm the {credits:g} credits.",
                             "高清视频费用较高：请勾选上方的确认框，同意花费 {credits:g} 积分。"),
    "video.generate": ("Generate video", "生成视频"),
    "video.creating": ("Creating the video task…", "正在创建视频任务…"),
    "video.empty_prompt": ("The prompt is empty: describe the video first.", "提示词为空，请先描述视频内容。"),
    "video.long_prompt": ("The prompt is too long (over 4,000 characters). Shorten it and try again.",
                          "提示词过长（超过 4,000 个字符）。请缩短后重试。"),
    "video.created": ("Video task created: watch its progress below.", "视频任务已创建，可在下方查看进度。"),
    "video.duplicate": ("That exact video was just submitted: it is the task below, not a second one.",
                        "刚刚已提交过完全相同的视频：就是下方的任务，不会重复创建。"),
    "video.in_progress": ("In progress", "进行中"),
    "video.finished": ("Finished", "已结束"),
    "video.empty_state": ("No videos yet. Describe one above and press “Generate video”.",
                          "还没有视频。在上方描述一个视频，然后点击“生成视频”。"),
    "video.status.queued": ("queued", "排队中"),
    "video.status.running": ("running", "生成中"),
    "video.status.completed": ("completed", "已完成"),
    "video.status.failed": ("failed", "失败"),
    "video.unknown_status": ("The server reported “{raw}”; still checking.", "服务器返回状态“{raw}”，将继续查询。"),
    "video.params": ("{model} · {duration} s · {ratio}", "{model} · {duration} 秒 · {ratio}"),
    "video.elapsed": ("elapsed {time}", "已用时 {time}"),
    "video.eta": ("about {time} left", "预计还需 {time}"),
    "video.took": ("took {time}", "耗时 {time}"),
    "video.progress": ("{percent:.0f}%", "{percent:.0f}%"),
    "video.poll_error": ("Could not check this task just now. {reason} Checking again in {seconds:.0f} s.",
                         "暂时无法查询此任务。{reason} 将在 {seconds:.0f} 秒后再次查询。"),
    "video.download": ("Download", "下载"),
    "video.url": ("Video URL", "视频地址"),
    "video.gone": ("The video URL no longer answers: the provider may have deleted the file.",
                   "视频地址已无法访问：服务商可能已删除该文件。"),
    "video.no_url": ("The task says “{status}” but names no video URL, and the API's content route "
                     "(/videos/ID/content) gave no video: {reason}",
                     "任务状态为“{status}”，但未给出视频地址，API 的内容接口（/videos/ID/content）也未返回视频：{reason}"),
    "video.failed": ("Generation failed. Server said: {reason}", "生成失败。服务器消息：{reason}"),
    "video.failed_no_reason": ("Generation failed; the server gave no reason.", "生成失败，服务器未说明原因。"),
    "video.refunded": ("The {credits:g} credits for this video were refunded.", "该视频的 {credits:g} 积分已退还。"),
    "video.remove": ("Remove from the list (does not cancel the task)", "从列表中移除（不会取消任务）"),
    "video.show_older": ("Show older videos ({count} more)", "显示更早的视频（还有 {count} 个）"),
})


# ---------------------------------------------------------------- usage (pages/usage.py)
_add({
    "usage.title": ("Usage", "用量"),
    "usage.intro": ("Where your credits went: spending, calls, errors and speed over the range you pick.",
                    "积分都花在了哪里：所选时间范围内的消耗、调用次数、错误和速度。"),
    "usage.intro_admin": ("As an admin you see every user's usage, with a per-user breakdown.",
                          "您是管理员，可以查看所有用户的用量及按用户的明细。"),
    "usage.range": ("Range", "时间范围"),
    "usage.preset.today": ("Today", "今天"),
    "usage.preset.7d": ("7 days", "近 7 天"),
    "usage.preset.30d": ("30 days", "近 30 天"),
    "usage.preset.all": ("All", "全部"),
    "usage.preset.custom": ("Custom", "自定义"),
    "usage.custom_range": ("From – to (your local dates)", "起止日期（本地日期）"),
    "usage.granularity": ("Group by", "统计粒度"),
    "usage.granularity.hour": ("Hour", "按小时"),
    "usage.granularity.day": ("Day", "按天"),
    "usage.hourly_fallback": ("Hourly bars are available for ranges up to {days} days; showing days.",
                              "按小时统计仅适用于 {days} 天以内的范围，当前按天显示。"),
    "usage.zone": ("Times are in your time zone ({zone}).", "时间均按您的时区显示（{zone}）。"),
    "usage.filters": ("Filters", "筛选"),
    "usage.filters_on": ("Filters ({count})", "筛选（{count}）"),
    "usage.filter.users": ("Users", "用户"),
    "usage.filter.models": ("Models", "模型"),
    "usage.filter.endpoints": ("Endpoints", "接口"),
    "usage.filter.outcomes": ("Outcomes", "结果"),
    "usage.filter.any": ("Any", "全部"),
    "usage.outcome.ok": ("Success", "成功"),
    "usage.outcome.error": ("Error", "失败"),
    "usage.outcome.refund": ("Refund", "退款"),
    "usage.endpoint.chat": ("Chat", "对话"),
    "usage.endpoint.images": ("Images", "图片"),
    "usage.endpoint.video": ("Video", "视频"),
    "usage.endpoint.upload": ("Upload", "上传"),
    "usage.endpoint.models": ("Model list", "模型列表"),
    "usage.endpoint.billing": ("Balance check", "余额查询"),
    "usage.endpoint.video_status": ("Video status check", "视频状态查询"),
    "usage.card.credits": ("Credits spent", "消耗积分"),
    "usage.card.requests": ("Requests", "请求数"),
    "usage.card.error_rate": ("Error rate", "错误率"),
    "usage.card.tokens": ("Tokens", "Token 数"),
    "usage.card.balance": ("Balance", "账户余额"),
    "usage.card.balance_unavailable": ("balance unavailable", "余额不可用"),
    "usage.card.balance_detail": ("{used:,.2f} used of {total:,.2f}", "已用 {used:,.2f} / 共 {total:,.2f}"),
    "usage.card.refunds": ("incl. {credits:,.2f} refunded", "含退款 {credits:,.2f}"),
    "usage.card.errors": ("{count} failed", "失败 {count} 次"),
    "usage.source.server": ("Reported by the server", "由服务器报告"),
    "usage.source.ledger": ("Estimated from the local ledger and the pricing table",
                            "根据本地用量记录和价格表估算"),
    "usage.refresh_balance": ("Refresh balance", "刷新余额"),
    "usage.empty": ("No calls in this range yet. Try a longer range or other filters, or make a call on the "
                    "Chat, Images or Video page and come back.",
                    "该范围内还没有调用记录。可以换一个更长的时间范围或其他筛选条件，"
                    "或者先去“对话”“图片”“视频”页面调用一次再回来。"),
    "usage.noise_note": ("Cards and charts leave out the free calls the app makes by itself (model list, "
                         "balance check); the table below lists them.",
                         "卡片和图表不包括应用自动发起的免费调用（模型列表、余额查询）；下方表格中会列出这些调用。"),
    "usage.chart.credits_over_time": ("Credits over time, by model", "积分消耗趋势（按模型）"),
    "usage.chart.credits_by_endpoint": ("Credits by endpoint", "各接口积分消耗"),
    "usage.chart.calls_by_model": ("Calls per model", "各模型调用次数"),
    "usage.chart.latency": ("Latency per endpoint (p50 / p95)", "各接口延迟（p50 / p95）"),
    "usage.chart.tokens_over_time": ("Tokens over time", "Token 用量趋势"),
    "usage.chart.by_user": ("Credits per user", "各用户积分消耗"),
    "usage.axis.time": ("Time", "时间"),
    "usage.axis.credits": ("Credits", "积分"),
    "usage.axis.calls": ("Calls", "调用次数"),
    "usage.axis.model": ("Model", "模型"),
    "usage.axis.endpoint": ("Endpoint", "接口"),
    "usage.axis.latency": ("Latency (ms)", "延迟（毫秒）"),
    "usage.axis.percentile": ("Percentile", "分位数"),
    "usage.axis.tokens": ("Tokens", "Token 数"),
    "usage.axis.kind": ("Kind", "类型"),
    "usage.axis.user": ("User", "用户"),
    "usage.tokens.prompt": ("Prompt", "输入"),
    "usage.tokens.completion": ("Completion", "输出"),
    "usage.no_tokens": ("No tokens counted in this range (only chat calls report tokens).",
                        "该范围内没有 Token 记录（只有对话调用会统计 Token）。"),
    "usage.no_latency": ("No latency recorded in this range.", "该范围内没有延迟记录。"),
    "usage.by_user": ("Per user", "按用户"),
    "usage.table.title": ("Calls", "调用记录"),
    "usage.table.count": ("{total:,} calls", "共 {total:,} 次调用"),
    "usage.table.newest": ("Showing the newest {shown:,} of {total:,} calls; the CSV export has all of them.",
                           "显示最新的 {shown:,} 条，共 {total:,} 次调用；导出的 CSV 包含全部记录。"),
    "usage.col.time": ("Time", "时间"),
    "usage.col.user": ("User", "用户"),
    "usage.col.endpoint": ("Endpoint", "接口"),
    "usage.col.model": ("Model", "模型"),
    "usage.col.outcome": ("Outcome", "结果"),
    "usage.col.status": ("HTTP status", "HTTP 状态"),
    "usage.col.error_kind": ("Error", "错误类型"),
    "usage.col.latency_ms": ("Latency (ms)", "延迟（毫秒）"),
    "usage.col.prompt_tokens": ("Prompt tokens", "输入 Token"),
    "usage.col.completion_tokens": ("Completion tokens", "输出 Token"),
    "usage.col.credits": ("Credits", "积分"),
    "usage.col.request_id": ("Request ID", "请求 ID"),
    "usage.export": ("Export CSV", "导出 CSV"),
    "usage.export_help": ("Every call that matches the range and filters, not only the rows shown.",
                          "导出符合当前范围和筛选条件的全部调用，而不只是表格中显示的行。"),
    "usage.prices.title": ("Pricing table (admin)", "价格表（管理员）"),
    "usage.prices.help": ("Credits per call and per 1K tokens. New prices apply to calls made from now on; "
                          "rows already in the ledger keep their credits. “*” means any model.",
                          "每次调用及每千 Token 的积分价格。新价格只对今后的调用生效，已记录的用量不变。“*” 表示任意模型。"),
    "usage.prices.endpoint": ("Endpoint", "接口"),
    "usage.prices.model": ("Model", "模型"),
    "usage.prices.per_call": ("Credits per call", "每次调用积分"),
    "usage.prices.per_1k": ("Credits per 1K tokens", "每千 Token 积分"),
    "usage.prices.save": ("Save prices", "保存价格"),
    "usage.prices.saved": ("Prices saved: they apply to new calls.", "价格已保存，将用于之后的调用。"),
    "usage.prices.invalid": ("Every row needs an endpoint, a model (or “*”) and prices of 0 or more.",
                             "每一行都需要填写接口、模型（或 “*”）以及不小于 0 的价格。"),
})

# ---------------------------------------------------------------- budget (lib/ui/budget.py, pages/usage.py)
_add({
    "budget.title": ("Budget", "预算"),
    "budget.help": ("Limits on the credits you spend per day and per month, in your time zone. From 80% on, "
                    "every page shows a warning; past the limit, paid calls ask before they are sent. "
                    "Leave at 0 for no limit.",
                    "每天和每月的积分消耗上限（按您的时区计算）。用到 80% 时每个页面都会提示；"
                    "超出上限后，付费调用在发送前会先请您确认。填 0 表示不限制。"),
    "budget.daily": ("Daily limit (credits)", "每日上限（积分）"),
    "budget.monthly": ("Monthly limit (credits)", "每月上限（积分）"),
    "budget.save": ("Save limits", "保存上限"),
    "budget.saved": ("Budget saved.", "预算已保存。"),
    "budget.period.day": ("today", "今日"),
    "budget.period.month": ("this month", "本月"),
    "budget.progress": ("{period}: {spent:,.2f} of {limit:,.2f} credits ({percent:.0f}%)",
                        "{period}：已用 {spent:,.2f} / {limit:,.2f} 积分（{percent:.0f}%）"),
    "budget.no_limit": ("{period}: {spent:,.2f} credits, no limit", "{period}：已用 {spent:,.2f} 积分，未设上限"),
    "budget.warn.day": ("You have used {percent:.0f}% of your daily credit limit ({spent:,.2f} of {limit:,.2f}).",
                        "今日积分已用掉上限的 {percent:.0f}%（{spent:,.2f} / {limit:,.2f}）。"),
    "budget.warn.month": ("You have used {percent:.0f}% of your monthly credit limit ({spent:,.2f} of {limit:,.2f}).",
                          "本月积分已用掉上限的 {percent:.0f}%（{spent:,.2f} / {limit:,.2f}）。"),
    "budget.exceeded.day": ("Daily credit limit reached: {spent:,.2f} of {limit:,.2f} used. Paid calls now ask "
                            "for confirmation first.",
                            "已达到今日积分上限：已用 {spent:,.2f} / {limit:,.2f}。付费调用将先请您确认再发送。"),
    "budget.exceeded.month": ("Monthly credit limit reached: {spent:,.2f} of {limit:,.2f} used. Paid calls now "
                              "ask for confirmation first.",
                              "已达到本月积分上限：已用 {spent:,.2f} / {limit:,.2f}。付费调用将先请您确认再发送。"),
    "budget.confirm.day": ("This call costs about {cost:,.2f} credits and would take you past your daily limit "
                           "({spent:,.2f} of {limit:,.2f} used). Nothing has been sent yet.",
                           "本次调用约需 {cost:,.2f} 积分，将超出今日上限（已用 {spent:,.2f} / {limit:,.2f}）。"
                           "尚未发送任何内容。"),
    "budget.confirm.month": ("This call costs about {cost:,.2f} credits and would take you past your monthly "
                             "limit ({spent:,.2f} of {limit:,.2f} used). Nothing has been sent yet.",
                             "本次调用约需 {cost:,.2f} 积分，将超出本月上限（已用 {spent:,.2f} / {limit:,.2f}）。"
                             "尚未发送任何内容。"),
    "budget.send_anyway": ("Send anyway", "仍然发送"),
    "budget.manage": ("Change your limits on the Usage page.", "可在“用量”页面修改上限。"),
})

# Network guard
_add({
    "error.refused_address": ("This server refused to connect to that address. An admin can change the rules under "
                              "[security] in its settings.",
                              "本服务器拒绝连接该地址。管理员可在设置的 [security] 中修改规则。"),
    "error.refused_address.scheme": ("Only http:// and https:// URLs are allowed; “{target}” is refused.",
                                     "只允许 http:// 和 https:// 地址；“{target}” 已被拒绝。"),
    "error.refused_address.private": ("{target} is a private, loopback, link-local, multicast or reserved address; "
                                      "this server does not connect there. An admin can allow it under [security] "
                                      "allow_private_networks.",
                                      "{target} 是私有、回环、链路本地、组播或保留地址，本服务器不会连接。"
                                      "管理员可在 [security] allow_private_networks 中允许它。"),
    "error.refused_address.host": ("{target} is not in this server's list of allowed hosts. An admin can add it "
                                   "under [security] allowed_hosts.",
                                   "{target} 不在本服务器允许的主机列表中。管理员可在 [security] allowed_hosts 中添加。"),
    "error.media_type": ("The server sent a file that is not the image or video it should be, so it is not shown.",
                         "服务器发送的文件不是应有的图片或视频，因此不予显示。"),
    "conn.bad_security": ("The app cannot connect anywhere: [security] allow_private_networks in .streamlit/secrets.toml "
                          "must be true, false or a list of networks such as [\"10.0.0.0/8\"]; it is {setting}.",
                          "应用无法连接：.streamlit/secrets.toml 中的 [security] allow_private_networks 必须是 true、false "
                          "或网络列表（如 [\"10.0.0.0/8\"]），当前为 {setting}。"),
    "conn.custom_off": ("Custom base URLs and upload URLs are turned off for your account by the administrator "
                        "([security] allow_custom_urls).",
                        "管理员已为您的账号关闭自定义 Base URL 和上传地址（[security] allow_custom_urls）。"),
})

# Dialects
_add({
    "error.token_expired": ("This API key has expired. Create a new key in the provider's console and paste "
                            "it in the sidebar under Connection.",
                            "该 API 密钥已过期。请在服务商控制台创建新密钥，并粘贴到侧边栏“连接”中。"),
    "error.token_exhausted": ("This API key has used up its own credit limit; the account may still have "
                              "credits. Raise the key's limit in the provider's console or use another key.",
                              "该 API 密钥自身的额度已用尽，账户可能仍有余额。请在服务商控制台提高该密钥的额度，"
                              "或换用其他密钥。"),
    "error.filtered": ("The server returned no result: its safety filter blocked it. Rephrase the prompt and try "
                       "again.",
                       "服务器未返回结果：内容被安全过滤器拦截。请修改提示词后重试。"),
    "billing.unlimited": ("Unlimited", "无限额度"),
})


# Video task binding
_add({
    "video.other_connection": ("Made on another connection: switch to it to follow this task.",
                               "此任务是在另一个连接上创建的：切换到该连接即可继续跟踪。"),
})

# ---------------------------------------------------------------- Bounded reads
_add({
    "error.too_large": ("The API sent an answer far larger than expected, so it was not read. Retry; if it "
                        "happens again, check that the base URL points at the API.",
                        "API 返回的内容远超预期大小，因此未被读取。请重试；若仍出现，请检查 Base URL 是否指向该 API。"),
    "upload.refused_pixels": ("the image has more than {megapixels} million pixels, too many to process safely "
                              "(a small file can decode to gigabytes). Use a smaller image.",
                              "图片超过 {megapixels} 百万像素，无法安全处理（很小的文件也可能解码出数 GB 数据）。"
                              "请使用尺寸更小的图片。"),
    "chat.import_adjusted": ("Imported with changes: these values had the wrong type or were out of range, so "
                             "they were left out or set to the nearest allowed value: {fields}",
                             "已导入，但有改动：以下值类型错误或超出范围，已被忽略或调整为最接近的允许值：{fields}"),
})

# Login hardening
_add({
    "auth.secrets_broken": ("The app cannot start: .streamlit/secrets.toml could not be read. Fix the file and "
                            "reload. ({error})",
                            "应用无法启动：无法读取 .streamlit/secrets.toml。请修正该文件后刷新页面。（{error}）"),
    "auth.no_users_file": ("The app cannot start: the [auth] section in .streamlit/secrets.toml has no users_file. "
                           "Set it, or remove the [auth] section for single-user mode.",
                           "应用无法启动：.streamlit/secrets.toml 的 [auth] 部分缺少 users_file。请设置它，"
                           "或删除 [auth] 部分以使用单用户模式。"),
    "auth.users_file_missing": ("The app cannot start: the users file {path} does not exist. Add a user with "
                                "python -m lib.users add.",
                                "应用无法启动：用户文件 {path} 不存在。请用 python -m lib.users add 添加用户。"),
    "auth.users_file_broken": ("The app cannot start: the users file {path} could not be read ({error}).",
                               "应用无法启动：无法读取用户文件 {path}（{error}）。"),
    "auth.users_file_empty": ("The app cannot start: the users file {path} has no users. Add one with "
                              "python -m lib.users add.",
                              "应用无法启动：用户文件 {path} 中没有用户。请用 python -m lib.users add 添加。"),
    "auth.bad_setting": ("The app cannot start: a setting in the [auth] section of .streamlit/secrets.toml is "
                         "not valid ({error}).",
                         "应用无法启动：.streamlit/secrets.toml 的 [auth] 部分有一项设置无效（{error}）。"),
    "auth.locked": ("Too many attempts, try again in {minutes} min.", "尝试次数过多，请 {minutes} 分钟后再试。"),
})

# Chat rough edges
_add({
    "chat.waiting": ("Waiting for the model's first words (gives up after {timeout} s)…",
                     "正在等待模型开始回复（{timeout} 秒后放弃）…"),
    "chat.continue": ("Continue", "继续"),
    "chat.continue_help": ("Ask the model to go on from where this reply ended",
                           "让模型从这条回复结束的地方接着写"),
    "chat.continue_prompt": ("Continue from where you stopped.", "请从你停下的地方继续。"),
    "chat.finish_length": ("The reply reached the max_tokens limit and was cut off. Continue for the rest, or "
                           "raise max_tokens in Settings.",
                           "回复达到 max_tokens 上限被截断。点击“继续”获取剩余内容，或在“参数”中调高 max_tokens。"),
    "chat.finish_content_filter": ("The provider's content filter ended this reply early.",
                                   "服务商的内容过滤器提前结束了这条回复。"),
    "usage.outcome.stopped": ("Stopped", "已停止"),
})

# Chat rough edges 2
_add({
    "chat.import_again": ("This file was imported before, as “{title}”: that conversation is open now, "
                          "nothing was added.",
                          "这个文件之前已导入为“{title}”：已打开该对话，没有重复添加。"),
    "chat.copy_help_markdown": ("Copy this message as Markdown", "将这条消息复制为 Markdown"),
    "chat.copied": ("Copied as Markdown.", "已复制为 Markdown。"),
    "budget.cancel": ("Cancel", "取消"),
    "chat.edit_replaces": ("Sending replaces the {count} messages after this one with the new replies.",
                           "发送后，这条之后的 {count} 条消息将被新的回复替换。"),
    "chat.delete_confirm": ("Delete “{title}” and its {count} messages? This cannot be undone.",
                            "删除“{title}”及其 {count} 条消息？删除后无法恢复。"),
    "chat.delete_for_good": ("Delete", "删除"),
    "chat.deleted": ("Deleted “{title}”.", "已删除“{title}”。"),
    "chat.version_of": ("{number}/{count}", "{number}/{count}"),
    "chat.version_prev": ("The previous answer", "上一个回答"),
    "chat.version_next": ("The next answer", "下一个回答"),
    "chat.preset.translator": ("Translator", "翻译"),
    "chat.preset.code_reviewer": ("Code reviewer", "代码审查"),
    "chat.preset.summarizer": ("Summarizer", "摘要"),
    "chat.preset.brainstorm": ("Brainstorm", "头脑风暴"),
})

# Workbench
_add({
    "nav.workbench": ("Workbench", "工作台"),
    "workbench.title": ("Workbench", "提示词工作台"),
    "workbench.intro": ("Try one prompt on many inputs and up to 3 models at once, check the replies, and keep "
                        "every run to compare later.",
                        "用一个提示词同时测试多组输入和最多 3 个模型，自动检查回复，并保存每次运行以便之后对比。"),
    "workbench.saved_runs": ("Saved runs", "已保存的运行"),
    "workbench.new_run": ("New run (nothing opened)", "新运行（未打开已保存的运行）"),
    "workbench.run_label": ("#{id} · v{version} · {when} · {status} · {models} · {title}",
                            "#{id} · v{version} · {when} · {status} · {models} · {title}"),
    "workbench.run_short": ("Run #{id} (prompt v{version})", "运行 #{id}（提示词 v{version}）"),
    "workbench.status.running": ("running", "运行中"),
    "workbench.status.done": ("finished", "已完成"),
    "workbench.status.stopped": ("stopped: the cells that finished are kept", "已停止：已完成的单元格已保留"),
    "workbench.system": ("System prompt", "系统提示词"),
    "workbench.system_placeholder": ("Optional. May use {{variables}} too.", "可选，也可以使用 {{变量}}。"),
    "workbench.user": ("User message template", "用户消息模板"),
    "workbench.user_help": ("Each {{variable}} becomes a column of the test cases below.",
                            "每个 {{变量}} 都会成为下方测试用例表中的一列。"),
    "workbench.models": ("Models (1–3)", "模型（1–3 个）"),
    "workbench.pool": ("At once", "并发数"),
    "workbench.pool_help": ("How many calls run at the same time (1–16).", "同时进行的调用数（1–16）。"),
    "workbench.cases_title": ("Test cases", "测试用例"),
    "workbench.no_variables": ("The prompt has no {{variables}}: each model answers it once.",
                               "提示词中没有 {{变量}}：每个模型只回答一次。"),
    "workbench.tab_table": ("Table", "表格"),
    "workbench.tab_paste": ("Paste", "粘贴"),
    "workbench.tab_file": ("CSV / JSONL file", "CSV / JSONL 文件"),
    "workbench.table_help": ("One row per case, one column per variable; add rows at the bottom. At most {limit:,} "
                             "cases.", "每行一个用例，每列一个变量；可在底部添加行。最多 {limit:,} 个用例。"),
    "workbench.paste": ("Cells copied from a spreadsheet, or CSV", "从表格软件复制的单元格，或 CSV 文本"),
    "workbench.paste_help": ("A first line naming the variables is the header; without one the columns are the "
                             "variables in order.", "若第一行是变量名则作为表头；否则各列依次对应各变量。"),
    "workbench.use_pasted": ("Use these rows", "使用这些行"),
    "workbench.file": ("Load test cases", "加载测试用例"),
    "workbench.file_help": ("UTF-8 CSV with a header, or JSONL with one object per line; a column or key per "
                            "variable.", "UTF-8 编码、带表头的 CSV，或每行一个对象的 JSONL；每个变量一列（或一个键）。"),
    "workbench.loaded": ("Loaded {count} test cases into the table.", "已将 {count} 个测试用例载入表格。"),
    "workbench.refused_kept": ("Nothing was loaded; the table is as it was.", "未载入任何内容；表格保持不变。"),
    "workbench.refused_encoding": ("The file is not UTF-8 text (an undecodable byte at position {position}). Save it "
                                   "as “CSV UTF-8” and load it again.",
                                   "文件不是 UTF-8 文本（第 {position} 个字节无法解码）。请另存为“CSV UTF-8”后重新加载。"),
    "workbench.refused_empty": ("There are no test cases in it: every row is empty.", "其中没有测试用例：所有行都是空的。"),
    "workbench.refused_fields": ("Line {line} has {found} cells but the header has {expected}. Put quotes around "
                                 "cells that contain a comma.",
                                 "第 {line} 行有 {found} 个单元格，但表头有 {expected} 个。含逗号的单元格请用引号括起来。"),
    "workbench.refused_jsonl_line": ("Line {line} is not a JSON object such as {{\"topic\": \"tides\"}}.",
                                     "第 {line} 行不是 JSON 对象（例如 {{\"topic\": \"tides\"}}）。"),
    "workbench.refused_missing": ("Missing columns for these variables: {columns}. Add them, or rename the "
                                  "variables in the prompt.", "缺少这些变量对应的列：{columns}。请补上这些列，或修改提示词中的变量名。"),
    "workbench.refused_too_many": ("{count:,} test cases is more than the {limit:,} a run may have. Split them into "
                                   "several runs.", "{count:,} 个测试用例超过了单次运行上限 {limit:,} 个。请拆分成多次运行。"),
    "workbench.note_extra_columns": ("Columns that are not variables were ignored: {columns}.",
                                     "不是变量的列已忽略：{columns}。"),
    "workbench.note_empty_rows": ("Empty rows were skipped (lines {lines}).", "已跳过空行（第 {lines} 行）。"),
    "workbench.checks_title": ("Checks on every reply", "对每条回复的检查"),
    "workbench.check_kind": ("Check", "检查"),
    "workbench.add_check": ("Add a check", "添加检查"),
    "workbench.remove_check": ("Remove this check", "删除此检查"),
    "workbench.check_value": ("Text or pattern", "文本或模式"),
    "workbench.checks_help": ("Values may use the case's {{variables}}, e.g. contains {{topic}}.",
                              "值中可以使用用例的 {{变量}}，例如：包含 {{topic}}。"),
    "workbench.check.contains": ("contains", "包含"),
    "workbench.check.not_contains": ("does not contain", "不包含"),
    "workbench.check.regex": ("matches regex", "匹配正则"),
    "workbench.check.json": ("is valid JSON", "是有效的 JSON"),
    "workbench.bad_regex": ("The pattern {pattern} is not a valid regular expression: {error}.",
                            "模式 {pattern} 不是有效的正则表达式：{error}。"),
    "workbench.estimate": ("Estimated cost: {credits:g} credits ({cases} cases × {models} models)",
                           "预计花费：{credits:g} 积分（{cases} 个用例 × {models} 个模型）"),
    "workbench.run": ("Run", "运行"),
    "workbench.stop": ("Stop", "停止"),
    "workbench.need_user": ("Write the user message template first.", "请先填写用户消息模板。"),
    "workbench.need_model": ("Pick at least one model.", "请至少选择一个模型。"),
    "workbench.need_cases": ("Add at least one test case.", "请至少添加一个测试用例。"),
    "workbench.progress": ("{done} of {total} cells finished", "已完成 {done} / {total} 个单元格"),
    "workbench.case": ("Case", "用例"),
    "workbench.cell_figures": ("{latency:.2f} s · {tokens} tokens · {credits:g} credits",
                               "{latency:.2f} 秒 · {tokens} tokens · {credits:g} 积分"),
    "workbench.retried": ("after {count} retries", "重试 {count} 次后成功"),
    "workbench.cell_failed": ("Failed: {kind} (after {attempts} attempts). The other cells went on.",
                              "失败：{kind}（共尝试 {attempts} 次）。其他单元格照常运行。"),
    "workbench.kind.rate_limit": ("too many requests (429)", "请求过于频繁（429）"),
    "workbench.kind.server": ("server error (5xx)", "服务器错误（5xx）"),
    "workbench.kind.timeout": ("no answer in time", "响应超时"),
    "workbench.kind.connection": ("could not connect", "无法连接"),
    "workbench.kind.stream_cut": ("the reply was cut short", "回复中途中断"),
    "workbench.cell_waiting": ("{model}: waiting…", "{model}：等待中…"),
    "workbench.cell_missing": ("Not run (the run was stopped first).", "未运行（运行已提前停止）。"),
    "workbench.tab_results": ("Results", "结果"),
    "workbench.tab_compare": ("Compare runs", "对比运行"),
    "workbench.results_title": ("Run #{id} · prompt v{version}", "运行 #{id} · 提示词 v{version}"),
    "workbench.page": ("Cases", "用例范围"),
    "workbench.model": ("Model", "模型"),
    "workbench.cells": ("Cells", "单元格"),
    "workbench.failed": ("Failed", "失败"),
    "workbench.pass_rate": ("Pass rate", "通过率"),
    "workbench.pass_rate_help": ("Of the replies checked, the share that passed every check.",
                                 "在已检查的回复中，全部检查都通过的比例。"),
    "workbench.median_latency": ("Median latency", "延迟中位数"),
    "workbench.credits": ("Credits", "积分"),
    "workbench.export_csv": ("CSV", "CSV"),
    "workbench.export_json": ("JSON", "JSON"),
    "workbench.compare_none": ("Save another run (edit the prompt and run again) to compare the two.",
                               "再保存一次运行（修改提示词后再次运行）即可对比两次结果。"),
    "workbench.compare_with": ("Compare with", "对比对象"),
    "workbench.pass_rate_before": ("Pass rate before", "之前通过率"),
    "workbench.pass_rate_after": ("Pass rate now", "当前通过率"),
    "workbench.pass_rate_delta": ("Pass rate Δ", "通过率变化"),
    "workbench.credits_before": ("Credits before", "之前积分"),
    "workbench.credits_after": ("Credits now", "当前积分"),
    "workbench.credits_delta": ("Credits Δ", "积分变化"),
    "workbench.changed_count": ("{count} outputs changed between the two runs.", "两次运行之间有 {count} 条输出发生变化。"),
    "workbench.changed_cell": ("Case {case} · {model}: changed", "用例 {case} · {model}：有变化"),
})

# Sharing
_add({
    "nav.shares": ("My shares", "我的分享"),
    "share.button": ("Share", "分享"),
    "share.help": ("Create a read-only link anyone can open without signing in",
                   "创建一个无需登录即可打开的只读链接"),
    "share.dialog_title": ("Share a read-only link", "分享只读链接"),
    "share.what": ("What to share", "分享内容"),
    "share.what.conversation": ("The whole conversation", "整个对话"),
    "share.what.comparison": ("The latest comparison", "最近一次对比"),
    "share.expiry": ("The link expires", "链接有效期"),
    "share.expiry.1d": ("in 1 day", "1 天"),
    "share.expiry.7d": ("in 7 days", "7 天"),
    "share.expiry.never": ("never", "永久"),
    "share.note": ("Note (optional)", "备注（可选）"),
    "share.note_placeholder": ("Shown above what you share", "显示在分享内容上方"),
    "share.snapshot_help": ("The link shows a copy made now: later edits or deletions do not change it. "
                            "No API key or connection details are shared.",
                            "链接展示的是此刻的副本：之后的编辑或删除不会影响它。不会分享 API 密钥或连接信息。"),
    "share.create": ("Create link", "创建链接"),
    "share.created": ("Link created. Copy it now: for safety it is shown only once. Revoke it any time under "
                      "My shares.", "链接已创建。请现在复制：出于安全考虑它只显示这一次。可随时在“我的分享”中撤销。"),
    "share.nothing": ("There is nothing to share yet.", "还没有可分享的内容。"),
    "share.kind.conversation": ("Conversation", "对话"),
    "share.kind.comparison": ("Comparison", "模型对比"),
    "share.kind.image": ("Image", "图片"),
    "share.kind.video": ("Video", "视频"),
    "share.viewer_caption": ("Shared read-only from Reshi Playground", "来自 Reshi 调试台的只读分享"),
    "share.shared_on": ("Shared {time}", "分享于 {time}"),
    "share.expires_on": ("expires {time}", "{time} 过期"),
    "share.never_expires": ("does not expire", "永不过期"),
    "share.missing": ("This share link does not exist. Check that it was copied whole.",
                      "该分享链接不存在。请检查链接是否完整复制。"),
    "share.revoked": ("This share link was revoked by its owner.", "该分享链接已被分享者撤销。"),
    "share.expired": ("This share link expired on {time}.", "该分享链接已于 {time} 过期。"),
    "share.locked": ("Too many unknown share links were opened from your address. Try again in {minutes} min.",
                     "你的地址打开了过多无效的分享链接，请 {minutes} 分钟后再试。"),
    "share.prompt": ("Prompt", "提示词"),
    "share.params": ("Parameters", "参数"),
    "share.no_params": ("the model's defaults", "模型默认值"),
    "share.attachment": ("image: {name}", "图片：{name}"),
    "share.video_params": ("{model} · {duration} s · {ratio}", "{model} · {duration} 秒 · {ratio}"),
    "shares.title": ("My shares", "我的分享"),
    "shares.intro": ("Links you have shared. Anyone with a link can open it until it expires or you revoke it.",
                     "你分享过的链接。任何拿到链接的人都能打开，直到它过期或被你撤销。"),
    "shares.empty": ("You have not shared anything yet. Use Share on a conversation, an image or a video.",
                     "你还没有分享任何内容。可在对话、图片或视频上点击“分享”。"),
    "shares.views": ("{count} views", "{count} 次查看"),
    "shares.status.live": ("active", "有效"),
    "shares.status.revoked": ("revoked", "已撤销"),
    "shares.status.expired": ("expired", "已过期"),
    "shares.revoke": ("Revoke", "撤销"),
    "shares.revoked_toast": ("Link revoked: it now says so to anyone who opens it.", "链接已撤销：打开它的人会看到已撤销的提示。"),
    "shares.not_revoked": ("That link is not yours, or it was already revoked.", "该链接不属于你，或已被撤销。"),
    "report.download": ("Comparison report (HTML)", "对比报告（HTML）"),
    "report.heading": ("Model comparison", "模型对比"),
    "report.prompt": ("Prompt", "提示词"),
    "report.system": ("System prompt", "系统提示词"),
    "report.params": ("Parameters", "参数"),
    "report.no_params": ("None set: each model's defaults.", "未设置：使用各模型默认值。"),
    "report.generated": ("Generated", "生成于"),
    "report.failed": ("This model's reply failed.", "该模型的回复失败了。"),
})

# ---------------------------------------------------------------- presentation mode (lib/ui/present_view.py)
_add({
    "present.toggle": ("Present", "演示"),
    "present.help": ("Show it full-width in large type, one turn at a time, for a projector. "
                     "← → step through the turns, Esc leaves.",
                     "以大字号全宽展示，每次一轮，适合投影。← → 切换轮次，Esc 退出。"),
    "present.title": ("Presentation", "演示"),
    "present.prev": ("Previous turn (←)", "上一轮（←）"),
    "present.next": ("Next turn (→)", "下一轮（→）"),
    "present.position": ("{number} / {count}", "{number} / {count}"),
    "present.exit": ("Exit presentation", "退出演示"),
    "present.empty": ("Nothing to present yet: this conversation has no messages.",
                      "暂无可演示的内容：这个对话还没有消息。"),
    "present.no_reply": ("No reply to this message.", "这条消息没有回复。"),
    "present.latency": ("Latency", "耗时"),
    "present.seconds": ("{seconds:.1f} s", "{seconds:.1f} 秒"),
    "present.speed": ("Speed", "速度"),
    "present.credits": ("Credits", "积分"),
})
