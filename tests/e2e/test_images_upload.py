"""Images and Upload in real Chromium against `streamlit run` and the sandbox (user bob)."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, screenshot, wait_for_app
from tests.imagefiles import image_bytes, oversized_png


def open_page(page: Page, app_url: str, path: str) -> None:
    """Log in as bob, then open `path` (the login form lands on the default page).

    The viewport is tall because Streamlit scrolls inside the page: screenshots show one screen.
    """
    page.set_viewport_size({"width": 1280, "height": 2000})
    login(page, app_url, "bob")
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)


def cards(page: Page, text: str):
    return page.locator("[class*='st-key-images_card_']").filter(has_text=text)


def api_images(sandbox, e2e_dir: Path, prompt: str) -> set[bytes]:
    """Every image the API itself answers for `prompt`: the sandbox draws it from the prompt, the
    n-th request of it as variant n mod 4, so four requests give all four."""
    key = (e2e_dir / "key").read_text()
    bodies = [
        httpx.post(
            f"{sandbox.base_url}/gemini/images",
            json={"prompt": prompt},
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        ).json()
        for _ in range(4)
    ]
    return {base64.b64decode(body["data"][0]["b64_json"]) for body in bodies}


def test_generate_two_reload_and_download(page: Page, app_url, sandbox, sandbox_speed, e2e_dir, tmp_path):
    sandbox_speed(image_delay=1.0)
    prompt = f"e2e lighthouse at dusk {time.time_ns()}"
    open_page(page, app_url, "images")
    page.get_by_label("Prompt").fill(prompt)
    page.locator(".st-key-images_count").get_by_text("2", exact=True).click()
    expect(page.get_by_text("Estimated cost: 20 credits (2 × 10)")).to_be_visible()
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text("Generating 2 images…")).to_be_visible()
    expect(page.get_by_text("Waiting for image 2…")).to_be_visible()
    screenshot(page, "images-generating")
    expect(cards(page, prompt)).to_have_count(2, timeout=30_000)
    wait_for_app(page)
    expect(cards(page, prompt).first.locator("img")).to_be_visible()
    screenshot(page, "images-generated")

    page.reload()
    wait_for_app(page)
    expect(cards(page, prompt)).to_have_count(2, timeout=30_000)
    with page.expect_download() as download_info:
        cards(page, prompt).first.get_by_test_id("stDownloadButton").locator("button").first.click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert download.suggested_filename.startswith("image-") and saved.suffix == ".jpg"
    shown = [page.request.get(img.get_attribute("src")).body() for img in cards(page, prompt).locator("img").all()]
    assert len(set(shown)) == 2, "a batch shows different images, as a real model draws them"
    assert saved.read_bytes() in shown and set(shown) <= api_images(sandbox, e2e_dir, prompt)


def test_reuse_prompt_brings_the_prompt_box_into_view_on_a_phone(page: Page, app_url):
    prompt = f"e2e reuse me {time.time_ns()}"
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, app_url, "bob")
    page.goto(f"{app_url}/images")
    wait_for_app(page)
    box = page.locator(".st-key-images_prompt textarea")
    box.fill(prompt)
    page.get_by_role("button", name="Generate").click()
    expect(cards(page, prompt)).to_have_count(1, timeout=30_000)
    wait_for_app(page)
    box.fill("something else")
    more = cards(page, prompt).get_by_role("button", name="More")
    more.scroll_into_view_if_needed()
    expect(box).not_to_be_in_viewport()  # the gallery is below the fold
    more.click()
    page.get_by_role("button", name="Reuse prompt").click()  # the card's labelled menu (issue 31)
    expect(box).to_have_value(prompt)
    expect(box).to_be_in_viewport()
    expect(box).to_be_focused()


def test_upload_batch_refuses_bad_files_and_sends_the_good_one(page: Page, app_url, tmp_path):
    stamp = time.time_ns()
    good, huge, text = (tmp_path / f"good-{stamp}.png", tmp_path / f"huge-{stamp}.png", tmp_path / f"notes-{stamp}.png")
    png = image_bytes(size=(64, 48), color=(30, 120, 200))
    good.write_bytes(png)
    huge.write_bytes(oversized_png())
    text.write_text("these are meeting notes, not an image\n")
    open_page(page, app_url, "upload")
    picker = page.get_by_test_id("stFileUploader")
    # The drop zone states the limit the app checks, in the page's units, not Streamlit's 200MB.
    assert (
        pseudo_text(page, "[data-testid=stFileUploaderDropzoneInstructions] > div")
        == "JPG, PNG, GIF or WebP · at most 10 MB per file"
    )
    expect(picker).not_to_contain_text("per file", use_inner_text=True)
    page.locator("input[type=file]").set_input_files([good, huge, text])
    expect(page.get_by_role("button", name=f"Remove {text.name}")).to_be_visible()
    # A file over the limit reaches the app's checks (not the picker's English hover text) and
    # is reported with the others, with its size in the same decimal MB (issue 31).
    expect(picker).not_to_contain_text("File must be")
    send = page.get_by_role("button", name="Upload the chosen files")
    send.click()
    wait_for_app(page)
    alerts = page.get_by_test_id("stAlert")
    expect(alerts.filter(has_text=huge.name)).to_contain_text("it is 11.5 MB and the limit is 10 MB")
    expect(alerts.filter(has_text=text.name)).to_contain_text("not a JPG, PNG, GIF or WebP image")
    expect(alerts.filter(has_text=good.name)).to_contain_text("uploaded")
    card = page.locator("[class*='st-key-upload_card_']").filter(has_text=good.name)
    expect(card).to_contain_text("expires in 2 days 23 hr")
    expect(card.locator("img")).to_be_visible()
    # The files left the picker: a second click cannot send them again; the report stays.
    expect(page.get_by_role("button", name=f"Remove {good.name}")).to_have_count(0)
    expect(send).to_be_disabled()
    expect(alerts.filter(has_text=good.name)).to_contain_text("uploaded")
    screenshot(page, "upload-batch")
    url = card.get_by_test_id("stCode").inner_text().strip()
    assert page.request.get(url).body() == png


def test_upload_picker_speaks_chinese(page: Page, app_url):
    open_page(page, app_url, "upload")
    page.get_by_test_id("stSidebar").get_by_text("简体中文", exact=True).click()
    wait_for_app(page)
    try:
        expect(page.get_by_role("button", name="上传所选文件")).to_be_visible()
        expect(page.get_by_role("button", name="上传解码后的图片", include_hidden=True)).to_have_count(1)
        assert (
            pseudo_text(page, "[data-testid=stFileUploaderDropzone] button [data-testid=stMarkdownContainer]")
            == "选择文件"
        )
        assert (
            pseudo_text(page, "[data-testid=stFileUploaderDropzoneInstructions] > div")
            == "JPG、PNG、GIF 或 WebP · 每个文件不超过 10 MB"
        )
        expect(page.get_by_test_id("stFileUploaderDropzone")).not_to_contain_text("Upload", use_inner_text=True)
    finally:
        page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
        wait_for_app(page)


def pseudo_text(page: Page, selector: str) -> str:
    """The text CSS puts after `selector` (::after), unquoted."""
    return page.locator(selector).first.evaluate("el => getComputedStyle(el, '::after').content").strip('"')
