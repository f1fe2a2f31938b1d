"""The Upload page's checks and texts, without Streamlit: every refusal, base64, names, expiry."""

from __future__ import annotations

import base64
import io
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from lib.media import imagetypes
from lib.media import upload_checks as uc
from tests.imagefiles import image_bytes, oversized_png, pixel_bomb

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("fmt, kind", [("PNG", "png"), ("JPEG", "jpeg"), ("GIF", "gif"), ("WEBP", "webp")])
def test_every_accepted_type_passes(fmt, kind):
    checked = uc.check_image(image_bytes(fmt), "whatever.name")
    assert checked.ok and checked.kind == kind and checked.mime == f"image/{kind}"


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"", "upload.refused_empty"),
        (oversized_png(), "upload.refused_too_big"),
        (b"just some notes, renamed to .png\n", "upload.refused_type"),
        (b"MZ\x90\x00\x03" + b"\0" * 200, "upload.refused_type"),  # a Windows executable
        (b"\x7fELF\x02\x01\x01" + b"\0" * 200, "upload.refused_type"),  # a Linux executable
        (image_bytes("PNG")[:40], "upload.refused_unreadable"),  # PNG magic, truncated body
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "upload.refused_unreadable"),
    ],
)
def test_each_refusal_has_its_reason(data, problem):
    checked = uc.check_image(data, "photo.png")
    assert not checked.ok and checked.problem == problem
    assert checked.reason("en") and checked.reason("zh") != checked.reason("en")


def test_size_refusal_names_the_size():
    assert "11.5 MB" in uc.check_image(oversized_png(), "big.png").reason("en")  # 11 MiB in decimal MB


def test_sizes_are_in_the_pickers_decimal_megabytes():
    """Streamlit's picker calls 12,000,000 bytes 12.0MB: the refusal must say the same figure."""
    assert "12.0 MB" in uc.check_image(oversized_png(12_000_000), "big.png").reason("en")


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("side", [8_000, 12_000], ids=["past the bound", "past Pillow's own refusal"])
def test_a_decompression_bomb_is_refused_on_its_pixel_count(side):
    checked = uc.check_image(pixel_bomb(side), "bomb.png")
    assert checked.problem == "upload.refused_pixels" and "50 million pixels" in checked.reason("en")


def test_streamlit_takes_no_bigger_file_than_the_checks_accept():
    config = tomllib.loads((Path(__file__).parents[2] / ".streamlit" / "config.toml").read_text())
    # maxUploadSize is in MiB: the server's cap is above what the checks accept, so a file
    # refused for its size is refused by the checks, with the app's own message.
    assert config["server"]["maxUploadSize"] * 1024 * 1024 > imagetypes.MAX_UPLOAD_BYTES
    assert config["server"]["maxUploadSize"] == imagetypes.PICKER_CEILING_MB


def test_no_thumbnail_is_decoded_from_a_bomb():
    assert uc.thumbnail(pixel_bomb()) is None


def test_exactly_ten_megabytes_is_allowed_by_size():
    data = oversized_png(uc.MAX_BYTES)
    assert uc.check_image(data, "x.png").problem != "upload.refused_too_big"


def test_base64_data_url_raw_and_wrapped():
    png = image_bytes()
    raw = base64.b64encode(png).decode()
    assert uc.decode_base64(f"data:image/png;base64,{raw}") == png
    assert uc.decode_base64(raw) == png
    wrapped = "\n".join(raw[i : i + 60] for i in range(0, len(raw), 60))
    assert uc.decode_base64(f"  {wrapped}\n") == png
    assert uc.decode_base64(raw.rstrip("=")) == png  # padding dropped by some tools
    assert uc.decode_base64(base64.urlsafe_b64encode(png).decode()) == png


@pytest.mark.parametrize(
    "text, key",
    [
        ("not base64 at all!", "upload.b64_invalid"),
        ("data:image/png,rawdata", "upload.b64_bad_data_url"),
        ("data:image/png;base64", "upload.b64_bad_data_url"),
        ("data:image/png;base64,   ", "upload.b64_empty"),
        ("   ", "upload.b64_empty"),
    ],
)
def test_base64_problems(text, key):
    with pytest.raises(uc.Base64Problem) as caught:
        uc.decode_base64(text)
    assert caught.value.key == key


def test_data_url_uses_the_type_from_the_bytes():
    checked = uc.check_image(image_bytes("JPEG"), "looks-like.png")
    assert uc.data_url(checked).startswith("data:image/jpeg;base64,")
    assert uc.decode_base64(uc.data_url(checked)) == checked.data


@pytest.mark.parametrize(
    "name, kind, sent",
    [
        ("../../etc/passwd.png", "png", "passwd.png"),
        ("C:\\Users\\me\\cat.jpg", "jpeg", "cat.jpg"),
        ("my photo 😀.PNG", "png", "my_photo.png"),
        ("照片 2024.jpg", "jpeg", "照片_2024.jpg"),
        ("renamed.png", "jpeg", "renamed.jpg"),  # the bytes decide the extension
        ("..", "png", "image.png"),
        (".hidden", "gif", "hidden.gif"),
        ("", "webp", "image.webp"),
        ("noext", "png", "noext.png"),
    ],
)
def test_send_name_has_no_path_and_no_odd_characters(name, kind, sent):
    assert uc.send_name(name, kind) == sent


def test_display_name_keeps_the_name_but_not_control_characters():
    assert uc.display_name("../../etc/passwd.png") == "../../etc/passwd.png"
    assert uc.display_name("照片 😀.png") == "照片 😀.png"
    assert uc.display_name("a\nb\x1b[31m.png") == "a?b?[31m.png"
    assert len(uc.display_name("x" * 1000)) == uc.MAX_NAME_CHARS + 1


def test_thumbnail_is_a_small_png():
    thumb = uc.thumbnail(image_bytes("JPEG", size=(1200, 600)))
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.format == "PNG" and max(image.size) == uc.THUMBNAIL_PIXELS
    assert uc.thumbnail(b"not an image") is None


@pytest.mark.parametrize(
    "left, en, zh",
    [
        (timedelta(days=2, hours=23, minutes=59), "expires in 2 days 23 hr", "2天 23小时后过期"),
        (timedelta(days=1, hours=2), "expires in 1 day 2 hr", "1天 2小时后过期"),
        (timedelta(days=3, minutes=5), "expires in 3 days", "3天后过期"),
        (timedelta(hours=5, minutes=12, seconds=30), "expires in 5 hr 12 min", "5小时 12分钟后过期"),
        (timedelta(seconds=20), "expires in 1 min", "1分钟后过期"),
        (timedelta(0), "expired", "已过期"),
        (timedelta(days=-1), "expired", "已过期"),
    ],
)
def test_expiry_countdown(left, en, zh):
    assert uc.expiry_text(NOW + left, NOW, "en") == en
    assert uc.expiry_text(NOW + left, NOW, "zh") == zh
    assert uc.is_expired(NOW + left, NOW) == (left <= timedelta(0))


def test_unknown_expiry_is_not_expired():
    assert uc.expiry_text(None, NOW, "en") == "expiry unknown" and not uc.is_expired(None, NOW)


def test_human_size():
    assert [uc.human_size(n) for n in (812, 12_600, 3_000_000, 12_000_000)] == ["812 B", "12.6 KB", "3.0 MB", "12.0 MB"]
    assert uc.human_size(2_000_000_000, "zh") == "2,000.0 MB"
