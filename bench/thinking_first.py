"""When the first words of a reply reach the screen: a reasoning model's first thinking token
against a plain model's first answer token, in Chromium against `streamlit run` and the sandbox
(same token rate, same prompt, interleaved rounds). Prints the medians and their ratio.
Goal (issue 25): the first thinking token on screen no later than a first answer token
(ratio <= 1.0, within noise).

Each round sends one message in a new chat and times, in the page itself (a MutationObserver
stamping performance.now()), from the Enter key to the first text of the reply: the "Thinking…"
block's text for the reasoning model, the answer's for the plain one.

Run from the repo root: .venv/bin/python -m bench.thinking_first [--rounds 9]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from lib.sandbox import start_sandbox
from tests.e2e.helpers import REPLY_DONE, login, start_new_chat, wait_for_app
from tests.fixtures.app import start_app_server, stop_app_server, write_login_app

CHROMIUM = {"executable_path": "/usr/bin/chromium", "args": ["--headless", "--no-sandbox", "--disable-gpu"]}
TOKEN_RATE = 40
MODELS = {"thinking": "deepseek-reasoner", "answer": "deepseek-chat"}
# Stamps the first moment the newest assistant message holds any text of the kind watched: the
# thinking block's body (a reasoning model) or the answer's Markdown (any model).
WATCH = """(kind) => new Promise(resolve => {
  const before = document.querySelectorAll('[data-testid="stChatMessage"]').length;
  const start = performance.now();
  const seen = () => {
    const messages = document.querySelectorAll('[data-testid="stChatMessage"]');
    if (messages.length <= before + 1) return false;
    const reply = messages[messages.length - 1];
    const boxes = [...reply.querySelectorAll('[data-testid="stMarkdown"]')]   // st.markdown, not a button's label
      .filter(box => (box.closest('[data-testid="stExpander"]') !== null) === (kind === 'thinking'));
    return boxes.some(box => box.textContent.replace('▌', '').trim().length > 0);
  };
  const observer = new MutationObserver(() => { if (seen()) { observer.disconnect(); resolve(performance.now() - start); } });
  observer.observe(document.body, {childList: true, subtree: true, characterData: true});
  window.__sendNow();
})"""


def pick_model(page: Page, model: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text="Model").get_by_role("combobox").click()
    page.get_by_role("option", name=model, exact=True).click()
    wait_for_app(page)


def first_text_ms(page: Page, kind: str, prompt: str) -> float:
    """Milliseconds from Enter to the first `kind` text of the reply, stamped in the page."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(prompt)
    page.evaluate(
        "() => { window.__sendNow = () => document.querySelector("
        "'[data-testid=\"stChatInputTextArea\"]').dispatchEvent(new KeyboardEvent('keydown', "
        "{key: 'Enter', code: 'Enter', keyCode: 13, bubbles: true})); }"
    )
    elapsed = page.evaluate(WATCH, kind)
    expect(page.get_by_test_id("stChatMessage").last).to_contain_text(REPLY_DONE, timeout=60_000)
    wait_for_app(page)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds (default 9)")
    rounds = parser.parse_args().rounds
    sandbox = start_sandbox(token_rate=TOKEN_RATE, control=True)
    times: dict[str, list[float]] = {kind: [] for kind in MODELS}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        write_login_app(folder, sandbox, f"sqlite:///{folder / 'store.db'}")
        url, process = start_app_server(folder, "server.log")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(**CHROMIUM)
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                login(page, url, "alice")
                for round_number in range(rounds + 1):  # the first round warms up and is not counted
                    for kind, model in MODELS.items():
                        start_new_chat(page)
                        pick_model(page, model)
                        ms = first_text_ms(page, kind, f"Round {round_number}: why is the sky blue?")
                        if round_number:
                            times[kind].append(ms)
                browser.close()
        finally:
            stop_app_server(process)
            sandbox.stop()
    thinking, answer = (statistics.median(times[k]) for k in MODELS)
    print(f"median of {rounds} interleaved rounds, sandbox at {TOKEN_RATE} tokens/s")
    print(f"first thinking token on screen ({MODELS['thinking']}): {thinking:7.0f} ms")
    print(f"first answer token on screen   ({MODELS['answer']}):     {answer:7.0f} ms")
    print(
        f"ratio thinking / answer: {thinking / answer:.2f} "
        f"(goal <= 1.0 within the rounds' noise: {'met' if thinking <= answer * 1.1 else 'NOT met'}; "
        f"spread of the answer rounds {min(times['answer']):.0f}-{max(times['answer']):.0f} ms)"
    )


if __name__ == "__main__":
    main()
