"""A comparison as one self-contained HTML file. Streamlit-free.

Rendered by Jinja2 with autoescaping on, so model text, prompts and model names are text in
the page, never markup. The file asks for nothing from elsewhere: the CSS is inline and there
are no scripts, fonts or images, so it opens the same offline, in a mail client or years later.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import jinja2

from lib import formats
from lib.i18n import key_family, t
from lib.sharing.shares import Snapshot, metrics_line

LABELS = ("heading", "prompt", "system", "params", "no_params", "generated", "failed")  # the template's labels
LABEL_KEY = key_family("report", LABELS)

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined)


def render(template: str, **values) -> str:
    """One of `lib/templates/` rendered (autoescaped): every report's one way to HTML."""
    return _ENV.get_template(template).render(**values)


def comparison_report(snapshot: Snapshot, lang: str, generated_at: datetime) -> str:
    """`snapshot` from `lib.sharing.shares.comparison_snapshot`; every label in `lang`."""
    payload = snapshot.payload
    columns = [
        {
            "model": c["meta"].get("model") or "?",
            "text": c["content"],
            "failed": bool(c["meta"].get("failed")),
            "metrics": metrics_line(c["meta"], lang, with_model=False),
        }
        for c in payload["columns"]
    ]
    labels = {part: t(LABEL_KEY(part), lang) for part in LABELS}
    return _ENV.get_template("compare_report.html.j2").render(
        lang="zh-CN" if lang == "zh" else "en",
        title=snapshot.title,
        labels=labels,
        prompt=payload["prompt"],
        system=payload["system"],
        params=payload["params"],
        columns=columns,
        generated_at=formats.moment(generated_at, lang, UTC, f"{formats.DATE_TIME} 'UTC'"),
    )


def report_file_name(conversation_id: int) -> str:
    return f"chat-{conversation_id}-comparison.html"
