"""How many people one `streamlit run` process serves: N real Chromium sessions (one browser
context each, each in its own conversation) against one server, the sandbox paced like a model.

For each N it prints
- the server's CPU ms per interaction (a page switch, "New chat", a conversation's first
  message, its next message), from the streamlit process's utime+stime in /proc/PID/stat read
  around each batch, a batch being the same interaction in every session at once, started
  once the server and the browsers are idle;
- the delay from the sandbox sending a reply's first token to the page showing it, median and
  worst, for first and next messages (the sandbox side is stamped by an ASGI wrapper when the
  chunk is handed to the socket; the page side by a MutationObserver, at
  performance.timeOrigin + performance.now(); one machine, so the wall clocks agree);
- the server's CPU ms per Usage page rerun (a range preset click) on a ledger of
  `--usage-rows` rows (100,000 by default);
- the process's RSS with the sessions open and after they close;
- the Chromium processes' CPU ms per interaction, as the server's: what the browsers take of the
  same two cores while the first tokens wait to be shown.
Each figure is taken twice, each time on a fresh server: "before" with `--runner.postScriptGC
true --server.fileWatcherType auto` (Streamlit's defaults) and "after" with the shipped
.streamlit/config.toml.

Then, with the shipped config only, "churn": `--churn-sessions` sessions (32) each open the
Upload page and pick a 2 MB file, then all close, `--churn` times (3); the RSS after each
close, once the sessions' reconnect window (server.disconnectedSessionTTL) has passed, must
not grow round after round.

`--reference` (issue 30) measures only the Chat page side by side with bench/minimal_chatbot.py
(the simplest Streamlit chat app, the floor Streamlit itself sets), each on a fresh server with
the shipped config, and prints every figure as a ratio to the minimal chatbot's: page load to a
usable chat input and the server CPU of a new tab, the CPU per first and next message and the
first token (server sent -> in the page) at 1 session, then at `sessions` sending at once and the
RSS with them open, then a next message in a conversation of 200 earlier messages against one
of 2. `--quick` makes it a smoke run (1 tab, 2 sessions, 20 earlier messages); `--long-only
--repeats N` measures only the long conversation against the short one, N messages in each.

Run from the repo root: .venv/bin/python -m bench.concurrent_sessions [--sessions 1,4,8,16,32]
                        [--rounds 3] [--configs before,after] [--token-rate 30]
                        [--usage-rows 100000] [--churn 3] [--churn-sessions 32]
                        [--reference [--quick]]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import uvicorn
from playwright.async_api import BrowserContext, Page, async_playwright, expect

from bench.usage_page import fill
from lib.accounts.users import LOCAL_USER
from lib.sandbox.app import create_app
from lib.sandbox.media import VideoCache
from lib.sandbox.state import DEFAULT_KEY, SandboxState, Speed
from lib.store import Store
from lib.ui.chat.view import OPEN_SETTING
from lib.ui.resources import SWEEP_SECONDS
from tests.e2e.helpers import REPLY_DONE
from tests.fixtures.app import (
    APP,
    ROOT,
    _free_port,
    _write_secrets,
    start_app_server,
    stop_app_server,
)

SESSIONS = (1, 4, 8, 16, 32)
CONFIGS = {"before": ["--runner.postScriptGC", "true", "--server.fileWatcherType", "auto"], "after": []}
CHROMIUM = {
    "executable_path": "/usr/bin/chromium",
    "args": [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ],
}
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
OPENING_AT_ONCE = 8  # tabs loading at the same time (see open_session)
WAIT_MS = 120_000  # 32 sessions on 2 shared cores are slow; a figure is better late than lost
# The reply's first token is "You" (it begins `You said: "..."`): the page has shown it as soon
# as a Markdown block in the message after the prompt's starts with it (the Stop button's label
# is one too, so the message's whole text would read "StopYou"). The reply is found after its
# prompt, not by its index: a long conversation shows only its last messages.
WATCH_FIRST_TOKEN = """prompt => {
  window.__firstTokenAt = null;
  const shown = () => {
    const messages = [...document.querySelectorAll('[data-testid=stChatMessage]')];
    const asked = messages.findIndex(message => message.textContent.includes(prompt));
    const reply = asked >= 0 ? messages[asked + 1] : null;
    const texts = reply ? [...reply.querySelectorAll('[data-testid=stMarkdownContainer]')] : [];
    return texts.some(text => text.textContent.trim().startsWith('You'));
  };
  const observer = new MutationObserver(() => {
    if (shown()) { window.__firstTokenAt = performance.timeOrigin + performance.now(); observer.disconnect(); }
  });
  observer.observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


# --- the sandbox, with the first token of every chat stream stamped ----------------------------


class FirstTokenStamps:
    """ASGI wrapper around the sandbox: the wall time at which each chat stream's first token
    went to the socket, keyed by the prompt (the last user message)."""

    def __init__(self, app):
        self.app, self.sent_at = app, {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].endswith("/chat/completions"):
            return await self.app(scope, receive, send)
        body = bytearray()

        async def receive_and_keep():
            message = await receive()
            body.extend(message.get("body", b""))
            return message

        async def send_and_stamp(message):
            await send(message)
            if message["type"] == "http.response.body" and _has_token(message.get("body", b"")):
                self.sent_at.setdefault(_prompt(body), time.time())

        await self.app(scope, receive_and_keep, send_and_stamp)


def _has_token(chunk: bytes) -> bool:
    events = [part[6:] for part in chunk.decode(errors="replace").split("\n\n") if part.startswith("data: {")]
    return any(choice.get("delta", {}).get("content") for event in events for choice in json.loads(event)["choices"])


def _prompt(body: bytes) -> str:
    return json.loads(body)["messages"][-1]["content"]


def start_stamped_sandbox(token_rate: float) -> tuple[str, FirstTokenStamps]:
    state = SandboxState(Speed(token_rate, 15.0, 0.0, 30.0))
    state.add_key(10_000_000, DEFAULT_KEY)
    stamps = FirstTokenStamps(create_app(state, VideoCache(), control_token=None))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(stamps, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")
    )
    threading.Thread(target=server.run, name="bench-sandbox", daemon=True).start()
    root_url = f"http://127.0.0.1:{port}"
    while True:
        try:
            httpx.get(root_url + "/sandbox/health", timeout=1)
            return root_url, stamps
        except httpx.TransportError:
            time.sleep(0.05)


# --- the streamlit process, seen from /proc ----------------------------------------------------


def cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_MS  # utime, stime


def browsers_cpu_ms() -> float:
    """CPU of the benchmark's own Chromium processes (those under this process: other browsers
    on the machine are not its figures)."""
    parents, names = {}, {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit():
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                names[int(entry.name)] = (entry / "comm").read_text()
        except (FileNotFoundError, ProcessLookupError):  # a process that just ended
            continue
    total = 0.0
    for pid, name in names.items():
        if name.startswith("chrom") and _descends_from(pid, os.getpid(), parents):
            try:
                total += cpu_ms(pid)
            except (FileNotFoundError, ProcessLookupError):
                continue
    return total


def _descends_from(pid: int, ancestor: int, parents: dict[int, int]) -> bool:
    while pid > 1:
        pid = parents.get(pid, 0)
        if pid == ancestor:
            return True
    return False


def rss_mb(pid: int) -> float:
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


async def settle(pid: int, quiet_ms: float = 20, window_s: float = 0.3, limit_s: float = 15) -> None:
    """Wait until the server is idle (under `quiet_ms` CPU in `window_s`), so that one batch's
    trailing work is not counted in the next."""
    await _quiet(lambda: cpu_ms(pid), quiet_ms, window_s, limit_s)


async def settle_browsers(quiet_ms: float = 30, window_s: float = 0.3, limit_s: float = 15) -> None:
    """Wait until the browsers are idle too: tabs still drawing the last batch's pages would
    take the cores from the next batch's first tokens."""
    await _quiet(browsers_cpu_ms, quiet_ms, window_s, limit_s)


async def _quiet(used_ms, quiet_ms: float, window_s: float, limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        before = used_ms()
        await asyncio.sleep(window_s)
        if used_ms() - before < quiet_ms:
            return


# --- one browser session -----------------------------------------------------------------------


async def wait_for_run(page: Page) -> None:
    await expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=WAIT_MS)


async def send_message(page: Page, text: str, done=REPLY_DONE) -> float:
    """Send `text` in the open conversation; returns when the page showed the reply's first
    token (epoch seconds), once the reply is complete (its last message shows `done`)."""
    await page.evaluate(WATCH_FIRST_TOKEN, text)
    box = page.get_by_test_id("stChatInputTextArea")
    await box.fill(text)
    await box.press("Enter")
    await page.wait_for_function("window.__firstTokenAt !== null", timeout=WAIT_MS)
    await expect(page.get_by_test_id("stChatMessage").last).to_contain_text(done, timeout=WAIT_MS)
    await wait_for_run(page)
    return await page.evaluate("window.__firstTokenAt") / 1000


async def new_chat(page: Page) -> None:
    await page.get_by_role("button", name="New chat").click()
    await expect(page.get_by_test_id("stChatMessage")).to_have_count(0, timeout=WAIT_MS)
    await expect(page.get_by_text("Ask anything")).to_be_visible(timeout=WAIT_MS)
    await wait_for_run(page)


async def switch_page(page: Page, name: str, shown_by: str) -> None:
    await page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
    await expect(page.locator(shown_by).first).to_be_visible(timeout=WAIT_MS)
    await wait_for_run(page)


async def pick_preset(page: Page, label: str) -> None:
    """A Usage range preset: a rerun of the page (its report part, where it is a fragment)."""
    await page.locator(".st-key-usage_preset").get_by_text(label, exact=True).click()
    await expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=WAIT_MS)
    await wait_for_run(page)


async def open_session(context: BrowserContext, url: str, number: int, opening: asyncio.Semaphore) -> Page:
    """A session with a conversation open, so "New chat" has something to close. Sessions open
    a few at a time (`opening`): 32 Chromium tabs loading at once on 2 cores time out in the
    browsers; the interactions measured then run in all of them at once."""
    async with opening:
        page = await context.new_page()
        await page.goto(url, timeout=WAIT_MS)
        await expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=WAIT_MS)
        await wait_for_run(page)
        await send_message(page, f"bench session {number} warm-up")
    return page


# --- one server, N sessions --------------------------------------------------------------------


@dataclass
class Figures:
    cpu: dict[str, list[float]] = field(
        default_factory=lambda: {
            kind: [] for kind in ("page switch", "New chat", "first message", "next message", "Usage rerun")
        }
    )
    delays_ms: dict[str, list[float]] = field(default_factory=lambda: {"first message": [], "next message": []})
    browsers: dict[str, list[float]] = field(default_factory=dict)  # the browsers' CPU, as `cpu`
    rss_open_mb: float = 0.0
    rss_closed_mb: float = 0.0


async def batch(pid: int, figures: Figures, kind: str, steps) -> list:
    """Run one step per session at once, on a quiet machine; the server CPU they cost, per
    session, goes to `kind`."""
    await settle(pid)
    await settle_browsers()
    started, browsers_started = cpu_ms(pid), browsers_cpu_ms()
    results = await asyncio.gather(*steps)
    await settle(pid)
    figures.cpu[kind].append((cpu_ms(pid) - started) / len(results))
    figures.browsers.setdefault(kind, []).append((browsers_cpu_ms() - browsers_started) / len(results))
    return results


async def one_round(pid: int, pages: list[Page], round_no: int, stamps: FirstTokenStamps, figures: Figures) -> None:
    await batch(pid, figures, "New chat", [new_chat(p) for p in pages])
    for kind in ("first message", "next message"):
        prompts = [f"bench session {i} round {round_no}, {kind}: how are you?" for i in range(len(pages))]
        shown = await batch(pid, figures, kind, [send_message(p, t) for p, t in zip(pages, prompts)])
        figures.delays_ms[kind] += [
            (at - stamps.sent_at[t]) * 1000 for at, t in zip(shown, prompts) if at and t in stamps.sent_at
        ]
    await batch(
        pid, figures, "page switch", [switch_page(p, "Images", ".st-key-images_prompt textarea") for p in pages]
    )
    await batch(
        pid, figures, "page switch", [switch_page(p, "Chat", "[data-testid=stChatInputTextArea]") for p in pages]
    )
    await asyncio.gather(*(switch_page(p, "Usage", "[data-testid=stVegaLiteChart]") for p in pages))
    for preset in ("7 days", "30 days"):
        await batch(pid, figures, "Usage rerun", [pick_preset(p, preset) for p in pages])
    await asyncio.gather(*(switch_page(p, "Chat", "[data-testid=stChatInputTextArea]") for p in pages))


async def measure(
    browser, folder: Path, flags: list[str], sessions: int, rounds: int, stamps: FirstTokenStamps
) -> Figures:
    url, process = start_app_server(folder, f"server-{sessions}-{len(flags)}.log", extra_args=flags)
    stamps.sent_at.clear()  # every run sends the same prompts
    figures = Figures()
    try:
        contexts = [await browser.new_context() for _ in range(sessions)]
        opening = asyncio.Semaphore(OPENING_AT_ONCE)
        pages = await asyncio.gather(*(open_session(c, url, i, opening) for i, c in enumerate(contexts)))
        for round_no in range(rounds):
            await one_round(process.pid, pages, round_no, stamps, figures)
        figures.rss_open_mb = rss_mb(process.pid)
        for context in contexts:
            await context.close()
        await settle(process.pid)
        figures.rss_closed_mb = rss_mb(process.pid)
    finally:
        stop_app_server(process)
    return figures


# --- report ------------------------------------------------------------------------------------


def describe(figures: Figures) -> str:
    cpu = "  ".join(f"{kind} {statistics.median(values):6.1f}" for kind, values in figures.cpu.items())
    delay = "; ".join(
        f"{kind} median {statistics.median(d):6.1f} ms, worst {max(d):6.1f} ms ({len(d)} replies)"
        if d
        else f"{kind} not observed"
        for kind, d in figures.delays_ms.items()
    )
    browsers = "  ".join(f"{kind} {statistics.median(values):6.1f}" for kind, values in figures.browsers.items())
    return (
        f"CPU ms per interaction: {cpu} | the browsers' CPU ms per interaction: {browsers} | "
        f"first token -> page: {delay} | "
        f"RSS open {figures.rss_open_mb:5.0f} MB, after close {figures.rss_closed_mb:5.0f} MB"
    )


def ratios(before: Figures, after: Figures) -> str:
    parts = [
        f"{kind} x{statistics.median(after.cpu[kind]) / statistics.median(before.cpu[kind]):.2f}"
        for kind in before.cpu
        if statistics.median(before.cpu[kind]) > 0
    ]
    return "after/before CPU: " + "  ".join(parts)


def secrets_folder(root: Path, sandbox_url: str, name: str, ledger: Path) -> Path:
    """Single-user mode on a fresh copy of the filled store: every server starts alike."""
    folder = root / name
    folder.mkdir()
    shutil.copy(ledger, folder / "store.db")
    _write_secrets(
        folder / "secrets.toml",
        {
            "sandbox": {"root_url": sandbox_url, "api_key": DEFAULT_KEY},
            "store": {"url": f"sqlite:///{folder / 'store.db'}"},
        },
    )
    return folder


def filled_ledger(root: Path, rows: int) -> Path:
    path = root / "ledger.db"
    store = Store(f"sqlite:///{path}")
    fill(store, rows)
    store.dispose()
    return path


# --- churn: sessions opened and closed, round after round ---------------------------------------


async def upload_session(browser, url: str, picture: Path, opening: asyncio.Semaphore) -> BrowserContext:
    """A tab on the Upload page with a file picked (held by the server, not yet sent). Tabs open
    a few at a time (`opening`), as in `open_session`."""
    context = await browser.new_context()
    async with opening:
        page = await context.new_page()
        await page.goto(url + "/upload", timeout=WAIT_MS)
        await _pick(page, picture)
    return context


async def _pick(page: Page, picture: Path) -> None:
    await page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(picture), timeout=WAIT_MS)
    await expect(page.get_by_text(picture.name).first).to_be_visible(timeout=WAIT_MS)
    await wait_for_run(page)


async def churn(browser, folder: Path, sessions: int, rounds: int) -> list[float]:
    """RSS (MB) after each round of `sessions` tabs opened, then closed and let go."""
    url, process = start_app_server(folder, "server-churn.log")
    picture = folder / "picked.png"
    picture.write_bytes(os.urandom(2_000_000))
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    ttl = server.get("disconnectedSessionTTL", 120)  # Streamlit's default
    after_close = []
    try:
        for _ in range(rounds):
            opening = asyncio.Semaphore(OPENING_AT_ONCE)
            contexts = await asyncio.gather(*(upload_session(browser, url, picture, opening) for _ in range(sessions)))
            for context in contexts:
                await context.close()
            await asyncio.sleep(ttl + 2 * min(SWEEP_SECONDS, max(ttl / 2, 1)) + 2)
            await settle(process.pid)
            after_close.append(rss_mb(process.pid))
    finally:
        stop_app_server(process)
    return after_close


# --- side by side with the minimal chatbot (issue 30) ------------------------------------------

MINIMAL_CHATBOT = str(ROOT / "bench" / "minimal_chatbot.py")
# The sandbox's last sentence: the minimal chatbot has no meta line to say a reply is complete.
MINIMAL_DONE = "answer just as quickly"
SHORT = 2  # earlier messages of the short conversation; the long one's are --long (200)


@dataclass
class Plan:
    loads: int = 3  # new tabs opened one at a time (page load, a tab's CPU)
    messages: int = 3  # messages sent in each of them (the first, then next ones)
    sessions: int = 8  # tabs sending at once
    long: int = 200  # earlier messages of the long conversation
    repeats: int = 3  # next messages sent in a long and a short conversation each


QUICK = Plan(loads=1, messages=2, sessions=2, long=20, repeats=1)


@dataclass
class Contender:
    """One of the apps measured: its script, what shows its reply complete, and (this app's)
    the store holding its conversations, opened in a new tab through the setting that keeps
    the open one."""

    name: str
    script: str
    done: object
    store: Store | None = None
    conversations: dict[int, int] = field(default_factory=dict)  # earlier messages -> conversation id

    async def open_tab(self, browser, url: str, earlier: int = 0) -> Page:
        """A new tab with a conversation of `earlier` messages (a new one for 0), usable."""
        query = ""
        if self.store is not None:
            self.store.set_setting(LOCAL_USER, OPEN_SETTING, self.conversations.get(earlier))
        elif earlier:
            query = f"?history={earlier}"
        page = await (await browser.new_context()).new_page()
        await page.goto(url + query, timeout=WAIT_MS)
        await expect(page.get_by_test_id("stChatInputTextArea")).to_be_editable(timeout=WAIT_MS)
        await wait_for_run(page)
        return page


def app_contender(folder: Path, long: int) -> Contender:
    """This app, its store holding a conversation of SHORT and one of `long` messages."""
    store = Store(f"sqlite:///{folder / 'store.db'}")
    contender = Contender("this app", APP, REPLY_DONE, store)
    for earlier in (SHORT, long):
        conversation = store.create_conversation(LOCAL_USER, f"{earlier} earlier messages")
        for number in range(earlier):
            role = "user" if number % 2 == 0 else "assistant"
            store.add_message(
                LOCAL_USER,
                conversation.id,
                role,
                f"Earlier {'question' if role == 'user' else 'answer'} {number}: the keeper rowed "
                "out at dawn, and the fog lifted over a sea as calm as a silver mirror.",
            )
        contender.conversations[earlier] = conversation.id
    return contender


async def timed_message(
    pid: int, page: Page, prompt: str, contender: Contender, stamps: FirstTokenStamps
) -> tuple[float, float | None]:
    """(server CPU ms, first token server sent -> in the page ms) of one message, sent alone on
    a quiet server and browser."""
    await settle(pid)
    await settle_browsers()
    started = cpu_ms(pid)
    shown = await send_message(page, prompt, contender.done)
    await settle(pid)
    sent = stamps.sent_at.get(prompt)
    return cpu_ms(pid) - started, (shown - sent) * 1000 if sent else None


async def measure_contender(
    browser, folder: Path, contender: Contender, plan: Plan, stamps: FirstTokenStamps
) -> dict[str, list[float]]:
    url, process = start_app_server(folder, f"server-{contender.name.replace(' ', '-')}.log", script=contender.script)
    pid, figures = process.pid, {}

    def note(figure: str, value: float | None) -> None:
        if value is not None:
            figures.setdefault(figure, []).append(value)

    try:
        page = await contender.open_tab(browser, url)  # warm-up: imports and caches, not counted
        await send_message(page, f"{contender.name} warm-up", contender.done)
        await page.context.close()
        for tab in range(plan.loads):
            await settle(pid)
            await settle_browsers()
            started_cpu, started = cpu_ms(pid), time.monotonic()
            page = await contender.open_tab(browser, url)
            note("page load s", time.monotonic() - started)
            await settle(pid)
            note("new tab CPU ms", cpu_ms(pid) - started_cpu)
            for number in range(plan.messages):
                kind = "first message" if number == 0 else "next message"
                cpu, delay = await timed_message(
                    pid, page, f"{contender.name} tab {tab} message {number}: how are you?", contender, stamps
                )
                note(f"{kind} CPU ms", cpu)
                note("first token ms, 1 session", delay)
            await page.context.close()
        pages = [await contender.open_tab(browser, url) for _ in range(plan.sessions)]
        await settle(pid)
        await settle_browsers()
        prompts = [f"{contender.name} session {n} of {plan.sessions}: how are you?" for n in range(plan.sessions)]
        shown = await asyncio.gather(*(send_message(p, t, contender.done) for p, t in zip(pages, prompts)))
        for at, prompt in zip(shown, prompts):
            note(
                f"first token ms, {plan.sessions} sessions",
                (at - stamps.sent_at[prompt]) * 1000 if prompt in stamps.sent_at else None,
            )
        await settle(pid)
        note(f"RSS MB, {plan.sessions} sessions open", rss_mb(pid))
        for page in pages:
            await page.context.close()
        for repeat in range(plan.repeats):
            for earlier in (SHORT, plan.long):
                page = await contender.open_tab(browser, url, earlier)
                cpu, delay = await timed_message(
                    pid, page, f"{contender.name} after {earlier} messages, {repeat}: how are you?", contender, stamps
                )
                note(f"after {earlier}: next message CPU ms", cpu)
                note(f"after {earlier}: first token ms", delay)
                await page.context.close()
    finally:
        stop_app_server(process)
    return figures


def side_by_side_table(minimal: dict[str, list[float]], app: dict[str, list[float]], plan: Plan) -> str:
    """Every figure, both apps' medians and this app's as a ratio to the minimal chatbot's;
    the long conversation also as a ratio to the short one's, in each app."""

    def median(figures: dict, name: str) -> float:
        return statistics.median(figures[name]) if figures.get(name) else float("nan")

    rows = [f"{'figure (medians)':<46} {'minimal':>9} {'this app':>9} {'ratio':>7}"]
    names = [n for n in app if n in minimal]
    for name in names:
        rows.append(
            f"{name:<46} {median(minimal, name):9.1f} {median(app, name):9.1f} "
            f"{median(app, name) / median(minimal, name):6.2f}x"
        )
    crowd = f"first token ms, {plan.sessions} sessions"
    if app.get(crowd) and minimal.get(crowd):
        rows.append(
            f"{'  (worst of ' + str(plan.sessions) + ' sessions)':<46} {max(minimal[crowd]):9.1f} "
            f"{max(app[crowd]):9.1f} {max(app[crowd]) / max(minimal[crowd]):6.2f}x"
        )
    for figure in ("first token ms", "next message CPU ms"):
        long, short = f"after {plan.long}: {figure}", f"after {SHORT}: {figure}"
        rows.append(
            f"{figure + f', {plan.long} vs {SHORT} earlier messages':<46} "
            + " ".join(f"{median(f, long) / median(f, short):8.2f}x" for f in (minimal, app))
        )
    return "\n".join(rows)


async def reference_run(browser, root: Path, sandbox_url: str, stamps: FirstTokenStamps, plan: Plan) -> None:
    empty = Store(f"sqlite:///{root / 'empty.db'}")
    empty.dispose()
    results = {}
    for name in ("minimal", "app"):
        folder = secrets_folder(root, sandbox_url, f"reference-{name}", root / "empty.db")
        contender = (
            Contender("minimal chatbot", MINIMAL_CHATBOT, MINIMAL_DONE)
            if name == "minimal"
            else app_contender(folder, plan.long)
        )
        results[name] = await measure_contender(browser, folder, contender, plan, stamps)
        if contender.store is not None:
            contender.store.dispose()
        print(f"{contender.name}: measured", flush=True)
    print(side_by_side_table(results["minimal"], results["app"], plan), flush=True)


async def run(args: argparse.Namespace) -> None:
    sandbox_url, stamps = start_stamped_sandbox(args.token_rate)
    if args.reference:
        print(
            f"{os.cpu_count()} cores; sandbox paced at {args.token_rate:g} tokens/s; the Chat page against "
            "bench/minimal_chatbot.py, one after the other on fresh servers; medians; the browsers share "
            "the cores, and so does whatever else the machine runs: compare ratios, not absolute figures."
        )
    else:
        print(
            f"{os.cpu_count()} cores; sandbox paced at {args.token_rate:g} tokens/s; {args.rounds} rounds of "
            "(New chat, two messages, two page switches, two Usage range clicks) per session; CPU figures "
            f"are medians over batches; the ledger holds {args.usage_rows:,} rows."
        )
        print(
            "note: the Chromium tabs run on the same cores as the server, so figures at large N "
            "include the browsers' contention; every session is the one local user, so the "
            "sidebar's conversation list grows by one per session per round."
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**CHROMIUM)
        with tempfile.TemporaryDirectory(prefix="bench-sessions-") as root:
            if args.reference:
                plan = QUICK if args.quick else Plan()
                if args.long_only:
                    plan = replace(plan, loads=0, sessions=0)
                if args.repeats:
                    plan = replace(plan, repeats=args.repeats)
                await reference_run(browser, Path(root), sandbox_url, stamps, plan)
                await browser.close()
                return
            ledger = filled_ledger(Path(root), args.usage_rows)
            configs = {name: CONFIGS[name] for name in args.configs.split(",")}
            for sessions in [int(n) for n in args.sessions.split(",") if n]:
                results = {}
                for config, flags in configs.items():
                    folder = secrets_folder(Path(root), sandbox_url, f"{config}-{sessions}", ledger)
                    try:
                        results[config] = await measure(browser, folder, flags, sessions, args.rounds, stamps)
                    except AssertionError as exc:  # a page that never showed: the machine, not a figure
                        step = str(exc).splitlines()[0][:120]
                        print(
                            f"N={sessions:>2} {config:>6}: not measured: with {sessions} sessions a page did not "
                            f"show within {WAIT_MS // 1000} s (the browsers share the server's cores): {step}",
                            flush=True,
                        )
                        continue
                    print(f"N={sessions:>2} {config:>6}: {describe(results[config])}", flush=True)
                if len(results) == len(CONFIGS) == len(configs):
                    print(f"N={sessions:>2} {ratios(results['before'], results['after'])}", flush=True)
            if args.churn:
                folder = secrets_folder(Path(root), sandbox_url, "churn", ledger)
                rss = await churn(browser, folder, args.churn_sessions, args.churn)
                print(
                    f"churn, {args.churn_sessions} sessions opened and closed {args.churn} times: RSS after "
                    "each close " + ", ".join(f"{mb:.0f}" for mb in rss) + " MB",
                    flush=True,
                )
        await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sessions",
        default=",".join(map(str, SESSIONS)),
        help="comma-separated session counts, e.g. 1,4; empty for churn only",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--configs", default=",".join(CONFIGS), help="before,after or one of them")
    parser.add_argument("--token-rate", type=float, default=30.0)
    parser.add_argument("--usage-rows", type=int, default=100_000)
    parser.add_argument("--churn", type=int, default=3, help="rounds of open-and-close; 0 for none")
    parser.add_argument("--churn-sessions", type=int, default=32)
    parser.add_argument(
        "--reference",
        action="store_true",
        help="only the Chat page side by side with bench/minimal_chatbot.py (issue 30)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="with --reference: one tab, 2 sessions, 20 earlier messages (a smoke run)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        help="with --reference: next messages sent in the long and the short conversation each (3)",
    )
    parser.add_argument(
        "--long-only",
        action="store_true",
        help="with --reference: only the long against the short conversation (no tabs, no sessions)",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
