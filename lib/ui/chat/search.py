"""Search (Ctrl/Cmd+K, or the sidebar's button) over the user's conversations (titles and
message text), Workbench runs (their prompts) and images (their prompts), and the keyboard
shortcuts of every page with their `?` overlay."""

from __future__ import annotations

import json

import streamlit as st

from lib.safe_text import markdown_literal
from lib.store import Store
from lib.ui import state
from lib.ui.auth import leave_if_signed_out
from lib.ui.chat.view import set_open_conversation
from lib.ui.resources import get_store
from lib.ui.session import PAGES_DIR, current_user, tr
from lib.ui.state.shell import Search

RESULTS = 8  # of each kind
MIN_CHARS = 2


def search_button() -> None:
    search = state.of(Search)
    st.button(
        tr("search.open"),
        icon=":material/search:",
        key="search_open",
        use_container_width=True,
        help=tr("search.open_help"),
        on_click=setattr,
        args=(search, "asked", True),
    )
    if search.asked:
        search.asked = False
        st.dialog(tr("search.title"), width="large")(_search_body)()


def snippet(text: str, query: str, width: int = 120) -> str:
    """The part of `text` around the first match of `query` (case-insensitive), on one line."""
    flat = " ".join(text.split())
    at = flat.lower().find(query.lower())
    start = max(0, at - width // 3) if at >= 0 else 0
    cut = flat[start : start + width]
    return ("…" if start else "") + cut + ("…" if start + width < len(flat) else "")


def _search_body() -> None:
    leave_if_signed_out()
    if state.of(Search).go_to is not None:  # a result was clicked: the whole app runs, to its page
        st.rerun()
    store, user = get_store(), current_user()
    query = st.text_input(tr("search.label"), key="search_query", placeholder=tr("search.placeholder")).strip()
    if len(query) < MIN_CHARS:
        st.caption(tr("search.hint"))
        return
    found = _conversations(store, user, query) + _images(store, user, query) + _runs(store, user, query)
    if not found:
        st.info(tr("search.nothing", query=markdown_literal(query)), icon=":material/search_off:")


def _conversations(store: Store, user: str, query: str) -> int:
    hits = store.search_conversations(user, query, limit=RESULTS)
    if hits:
        st.caption(tr("search.conversations"))
    for conversation, text in hits:
        st.button(
            conversation.title,
            key=f"search_chat_{conversation.id}",
            icon=":material/chat:",
            type="tertiary",
            on_click=_open_conversation,
            args=(store, user, conversation.id),
        )
        if text and " ".join(text.split()) != conversation.title:
            st.caption(markdown_literal(snippet(text, query)))
    return len(hits)


def _open_conversation(store: Store, user: str, conversation_id: int) -> None:
    set_open_conversation(store, user, conversation_id)
    state.of(Search).go_to = "chat.py"


def _images(store: Store, user: str, query: str) -> int:
    hits = [m for m in store.list_media(user, limit=500) if query.lower() in (m.prompt or "").lower()][:RESULTS]
    if hits:
        st.caption(tr("search.images"))
    for media in hits:
        st.button(
            snippet(media.prompt, query, 80),
            key=f"search_image_{media.id}",
            icon=":material/image:",
            type="tertiary",
            on_click=setattr,
            args=(state.of(Search), "go_to", "images.py"),
        )
    return len(hits)


def _runs(store: Store, user: str, query: str) -> int:
    def prompt_text(run: dict) -> str:
        return run["prompt"] if isinstance(run["prompt"], str) else json.dumps(run["prompt"], ensure_ascii=False)

    hits = [r for r in store.list_workbench_runs(user, limit=200) if query.lower() in prompt_text(r).lower()][:RESULTS]
    if hits:
        st.caption(tr("search.runs"))
    for run in hits:
        st.button(
            tr("search.run", id=run["id"], prompt=snippet(prompt_text(run), query, 80)),
            key=f"search_run_{run['id']}",
            icon=":material/science:",
            type="tertiary",
            on_click=setattr,
            args=(state.of(Search), "go_to", "workbench.py"),
        )
    return len(hits)


def go_where_search_chose() -> None:
    """A result was clicked (a callback, before the run): that page opens."""
    search = state.of(Search)
    page, search.go_to = search.go_to, None
    if page:
        st.switch_page(PAGES_DIR / page)


# ---------------------------------------------------------------- keyboard shortcuts

SHORTCUTS = (
    ("Ctrl/⌘ K", "search.key_search"),
    ("Ctrl/⌘ Shift O", "search.key_new_chat"),
    ("/", "search.key_focus"),
    ("Esc", "search.key_stop"),
    ("?", "search.key_help"),
)

# Attached once per page load (the flag), with the labels of the session's language updated on
# every run; an overlay already open is redrawn in the new language (a run that switched it may
# land after the overlay opened). Keys typed into a field are the field's own, except Ctrl/⌘ K
# and Esc.
_SHORTCUT_SCRIPT = """<script>
window.reshiShortcuts = %s;
if (!window.reshiShortcutsOn) {
  window.reshiShortcutsOn = true;
  const click = (key) => { const b = document.querySelector(`.st-key-${key} button`); if (b) { b.click(); return true; } return false; };
  window.reshiShortcutsDraw = (box) => {
    box.setAttribute("aria-label", window.reshiShortcuts.title);
    const card = document.createElement("div");
    card.style.cssText = "border-radius:12px;padding:20px 24px;min-width:280px;max-width:92vw;box-shadow:0 8px 30px rgba(0,0,0,.3);font:15px/1.6 sans-serif";
    const app = getComputedStyle(document.querySelector("[data-testid=stApp]") || document.body);
    card.style.background = app.backgroundColor; card.style.color = app.color;  // the theme shown, light or dark
    const head = document.createElement("h3"); head.textContent = window.reshiShortcuts.title; head.style.margin = "0 0 8px";
    card.appendChild(head);
    for (const [keys, label] of window.reshiShortcuts.rows) {
      const row = document.createElement("div"); row.style.cssText = "display:flex;gap:16px;justify-content:space-between";
      const k = document.createElement("kbd"); k.textContent = keys; k.style.cssText = "font-family:monospace;padding:0 6px;border:1px solid #aaa;border-radius:4px";
      const l = document.createElement("span"); l.textContent = label;
      row.append(l, k); card.appendChild(row);
    }
    box.replaceChildren(card);
  };
  const overlay = () => {
    let box = document.getElementById("reshi-shortcuts");
    if (box) { box.remove(); return; }
    box = document.createElement("div"); box.id = "reshi-shortcuts"; box.setAttribute("role", "dialog");
    box.style.cssText = "position:fixed;inset:0;z-index:1000100;display:flex;align-items:center;justify-content:center;background:rgba(0,0,0,.45)";
    window.reshiShortcutsDraw(box); box.addEventListener("click", () => box.remove());
    document.body.appendChild(box);
  };
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest && event.target.closest("input, textarea, [contenteditable=true]");
    const mod = event.ctrlKey || event.metaKey;
    if (mod && !event.shiftKey && event.key.toLowerCase() === "k") { event.preventDefault(); click("search_open"); }
    else if (mod && event.shiftKey && event.key.toLowerCase() === "o") { event.preventDefault(); click("chat_new"); }
    else if (event.key === "Escape") { const box = document.getElementById("reshi-shortcuts"); if (box) box.remove(); else click("chat_stop"); }
    else if (typing) { return; }
    else if (event.key === "/") { const input = document.querySelector("[data-testid=stChatInputTextArea]"); if (input) { event.preventDefault(); input.focus(); } }
    else if (event.key === "?") { event.preventDefault(); overlay(); }
  });
} else {
  const open = document.getElementById("reshi-shortcuts");
  if (open) window.reshiShortcutsDraw(open);
}
</script>"""


def keyboard_shortcuts() -> None:
    labels = {"title": tr("search.key_title"), "rows": [[keys, tr(key)] for keys, key in SHORTCUTS]}
    st.html(
        _SHORTCUT_SCRIPT % json.dumps(labels, ensure_ascii=False).replace("<", "\\u003c"), unsafe_allow_javascript=True
    )
