"""Hostile text made safe: Markdown shown literally, file names without paths or odd characters."""

from __future__ import annotations

import pytest

from lib.safe_text import IMAGE_MARK, file_slug, images_as_links, markdown_literal, without_controls


def test_markdown_literal_escapes_markup():
    assert markdown_literal("**bold** [x](y) `c`") == r"\*\*bold\*\* \[x\]\(y\) \`c\`"
    assert markdown_literal("<img src=x> :red[a] $x$") == r"\<img src=x\> \:red\[a\] \$x\$"


@pytest.mark.parametrize(
    "text, separator, slug",
    [
        ("a cat, in a garden!", "-", "a-cat-in-a-garden"),
        ("../../etc/passwd", "-", "etc-passwd"),
        ("一只猫 花园", "-", "一只猫-花园"),
        ("a - b -- c", "-", "a-b-c"),
        ("my photo 😀", "_", "my_photo"),
        ("keep-hyphens here", "_", "keep-hyphens_here"),
        ("!!!", "-", ""),
    ],
)
def test_file_slug_keeps_letters_of_any_script_and_nothing_that_names_a_path(text, separator, slug):
    assert file_slug(text, 40, separator) == slug


def test_file_slug_is_cut_to_length_without_a_trailing_separator():
    assert file_slug("word " * 20, 12) == "word-word-wo"
    assert file_slug("abcd efgh", 5) == "abcd"


@pytest.mark.parametrize(
    "markdown, shown",
    [
        ("see ![pixel](https://evil.example/p.png) here", f"see {IMAGE_MARK}[pixel](https://evil.example/p.png) here"),
        ("![ref][1]\n\n[1]: https://evil.example/p.png", f"{IMAGE_MARK}[ref][1]\n\n[1]: https://evil.example/p.png"),
        ("![1]\n\n[1]: https://evil.example/p.png", f"{IMAGE_MARK}[1]\n\n[1]: https://evil.example/p.png"),
        (
            "[![badge](https://evil.example/b.svg)](https://x.example)",
            f"[{IMAGE_MARK}[badge](https://evil.example/b.svg)](https://x.example)",
        ),
        ("`![code](span)` and ![img](u)", f"`![code](span)` and {IMAGE_MARK}[img](u)"),
        ("```md\n![in](fence)\n```\n![out](u)", f"```md\n![in](fence)\n```\n{IMAGE_MARK}[out](u)"),
        (r"\![escaped](u)", r"\![escaped](u)"),
        ("` unclosed ![img](u)", f"` unclosed {IMAGE_MARK}[img](u)"),
    ],
)
def test_untrusted_markdown_shows_images_as_links(markdown, shown):
    assert images_as_links(markdown) == shown


def test_image_rewriting_is_linear_in_backtick_runs():
    """Runs of every length with no closing run: each is looked up, not searched for."""
    text = " ".join("`" * n for n in range(1, 3000)) + " ![img](u)"
    assert images_as_links(text).endswith(f"{IMAGE_MARK}[img](u)")


def test_one_line_fields_lose_control_characters():

    assert without_controls("gpt-4o\n2026 INFO forged\r\x1b[31m\u202eevil\x00") == "gpt-4o2026 INFO forged[31mevil"
    assert without_controls("通义千问-max/v2:free") == "通义千问-max/v2:free" and without_controls(None) is None
