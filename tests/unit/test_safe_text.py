"""Hostile text made safe: Markdown shown literally, file names without paths or odd characters."""
from __future__ import annotations

import pytest

from lib.safe_text import file_slug, markdown_literal


def test_markdown_literal_escapes_markup():
    assert markdown_literal("**bold** [x](y) `c`") == r"\*\*bold\*\* \[x\]\(y\) \`c\`"
    assert markdown_literal("<img src=x> :red[a] $x$") == r"\<img src=x\> \:red\[a\] \$x\$"


@pytest.mark.parametrize("text, separator, slug", [
    ("a cat, in a garden!", "-", "a-cat-in-a-garden"),
    ("../../etc/passwd", "-", "etc-passwd"),
    ("一只猫 花园", "-", "一只猫-花园"),
    ("a - b -- c", "-", "a-b-c"),
    ("my photo 😀", "_", "my_photo"),
    ("keep-hyphens here", "_", "keep-hyphens_here"),
    ("!!!", "-", ""),
])
def test_file_slug_keeps_letters_of_any_script_and_nothing_that_names_a_path(text, separator, slug):
    assert file_slug(text, 40, separator) == slug


def test_file_slug_is_cut_to_length_without_a_trailing_separator():
    assert file_slug("word " * 20, 12) == "word-word-wo"
    assert file_slug("abcd efgh", 5) == "abcd"
