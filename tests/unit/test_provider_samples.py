"""The provider's own samples from api-doc.zh.txt, run unchanged but for base URL and key.

The samples are cut out of the document at test time, so they stay verbatim; only the two
strings `https://www.reshi123.com/api/v1` and `sk-your-api-key` are replaced.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

# The repo's copy of the provider's document, else the shared one it was taken from.
DOC = Path(__file__).resolve().parents[2] / "docs" / "api-doc.zh.txt"
REAL_BASE, REAL_KEY = "https://www.reshi123.com/api/v1", "sk-your-api-key"


def samples(language: str) -> list[str]:
    """The document's code blocks: each starts after a line 'Python' or 'cURL'; a Python block
    ends at the next 'cURL' line, a cURL block at the next blank line."""
    text = DOC.read_text(encoding="utf-8")
    end = r"^cURL$" if language == "Python" else r"^\s*$|\Z"
    pattern = rf"^{language}\n(.*?)(?={end})"
    return [block.strip() for block in re.findall(pattern, text, re.M | re.S)]


def localised(source: str, sandbox, api_key: str) -> str:
    assert REAL_BASE in source and REAL_KEY in source
    return source.replace(REAL_BASE, sandbox.base_url).replace(REAL_KEY, api_key)


@pytest.fixture
def run_python(sandbox, api_key, monkeypatch, capsys):
    """Exec a sample; its `time.sleep(5)` moves the sandbox's virtual clock instead of waiting
    (the sample's text stays unchanged)."""
    monkeypatch.setattr(time, "sleep", sandbox.control.advance_clock)

    def run(source: str) -> str:
        exec(compile(localised(source, sandbox, api_key), "<api-doc sample>", "exec"), {})
        return capsys.readouterr().out

    return run


def test_document_has_three_python_and_three_curl_samples():
    assert len(samples("Python")) == 3 and len(samples("cURL")) == 3


def test_openai_chat_sample(run_python):
    assert run_python(samples("Python")[0]).startswith('You said: "Hello!"')


def test_requests_image_sample(run_python, sandbox, api_key):
    out = run_python(samples("Python")[1])
    assert "'b64_json': '/9j/" in out  # a JPEG's base64
    assert sandbox.control.key_info(api_key)["spent"] == 10


def test_requests_video_polling_sample(run_python, sandbox, api_key):
    out = run_python(samples("Python")[2])
    assert re.search(r"任务ID: video_\w+", out)
    assert re.search(rf"视频URL: {re.escape(sandbox.root_url)}/files/videos/video_\w+\.mp4", out)
    assert sandbox.control.key_info(api_key)["spent"] == 15


@pytest.mark.skipif(not shutil.which("curl"), reason="curl is not installed")
@pytest.mark.parametrize("index, expected", [(0, '"chat.completion"'), (1, '"b64_json"'), (2, '"status":"queued"')])
def test_curl_samples(sandbox, api_key, index, expected):
    command = localised(samples("cURL")[index], sandbox, api_key)
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and expected in result.stdout
