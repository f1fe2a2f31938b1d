"""Rules of the code's shape that a reviewer would otherwise have to remember (issue 23)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    p
    for p in [ROOT / "app.py", *(ROOT / "app_pages").rglob("*.py"), *(ROOT / "lib").rglob("*.py")]
    if "migrations/versions" not in p.as_posix()
]
STATE_OWNER = "lib/ui/state/__init__.py"
MAX_LINES = 400


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_only_the_state_owner_touches_session_state():
    touching = {_name(p) for p in SOURCES if "session_state" in p.read_text(encoding="utf-8")}
    assert touching == {STATE_OWNER}, "through lib/ui/state: state.of(...), a Widget, state.sign_out(...)"


def test_no_module_is_longer_than_the_limit():
    long = {_name(p) for p in SOURCES if len(p.read_text(encoding="utf-8").splitlines()) > MAX_LINES}
    assert not long, f"over {MAX_LINES} lines: split by what the parts do"
