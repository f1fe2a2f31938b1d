"""The Upload page under AppTest, against the sandbox: every refusal, base64 mode, the list."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx

from lib.safe_text import markdown_literal as md
from lib.store import Store, utcnow
from tests.fixtures.app import make_app
from tests.imagefiles import image_bytes, oversized_png

UPLOAD = "app_pages/upload.py"
ODD_NAMES = ["../../etc/passwd.png", "my holiday photo.png", "照片.png", "party 🎉.png"]


def upload_files(at, files: list[tuple[str, bytes]]):
    at.file_uploader[0].set_value([(name, data, "image/png") for name, data in files]).run()
    return at.button(key="upload_send_files").click().run()


def upload_base64(at, text: str, name: str = "pasted.png"):
    at.text_area(key="upload_b64").set_value(text)
    at.text_input(key="upload_b64_name").set_value(name)
    return at.button(key="upload_send_b64").click().run()


def uploads(secrets, user="local"):
    return Store(secrets["store"]["url"]).list_uploads(user)


def messages(elements) -> list[str]:
    return [e.value for e in elements]


def test_a_batch_refuses_each_bad_file_with_its_reason_and_sends_the_good_one(app_secrets):
    png = image_bytes()
    at = upload_files(
        make_app(app_secrets, UPLOAD),
        [
            ("good.png", png),
            ("huge.png", oversized_png()),
            ("notes.png", b"meeting notes\n"),
            ("empty.png", b""),
            ("broken.png", png[:40]),
            ("program.png", b"MZ\x90\x00" + b"\0" * 64),
        ],
    )
    assert not at.exception
    errors = messages(at.error)
    assert any(md("huge.png") in e and "11.5 MB" in e and "10 MB" in e for e in errors)  # 11 MiB, in the picker's MB
    assert any(md("notes.png") in e and "not a JPG, PNG, GIF or WebP" in e for e in errors)
    assert any(md("program.png") in e and "not a JPG, PNG, GIF or WebP" in e for e in errors)
    assert any(md("empty.png") in e and "empty" in e for e in errors)
    assert any(md("broken.png") in e and "damaged" in e for e in errors)
    assert any(md("good.png") in s for s in messages(at.success))
    stored = uploads(app_secrets)
    assert [u.original_filename for u in stored] == ["good.png"]
    assert httpx.get(stored[0].url).content == png
    assert not at.file_uploader[0].value, "sending them again would change nothing: the picker is emptied"
    assert at.button(key="upload_send_files").disabled


def test_uploaded_file_shows_link_size_and_countdown(app_secrets):
    png = image_bytes()
    at = upload_files(make_app(app_secrets, UPLOAD), [("shown.png", png)])
    upload = uploads(app_secrets)[0]
    assert upload.size == len(png) and upload.mime == "image/png" and upload.thumbnail
    assert upload.url in messages(at.code)
    captions = " ".join(messages(at.caption))
    assert f"{len(png)} B" in captions and "expires in 2 days 23 hr" in captions
    assert upload.expire_at.strftime("%Y-%m-%d") in captions
    assert len(at.image) == 1
    assert not at.file_uploader[0].value, "a batch that all went up empties the drop zone"


def test_odd_file_names_are_sent_safely_and_shown_as_given(app_secrets):
    at = upload_files(make_app(app_secrets, UPLOAD), [(name, image_bytes()) for name in ODD_NAMES])
    assert not at.error
    stored = uploads(app_secrets)
    assert sorted(u.original_filename for u in stored) == sorted(ODD_NAMES)
    assert all("/" not in u.stored_filename and ".." not in u.stored_filename for u in stored)
    shown = " ".join(messages(at.markdown))
    assert all(md(name) in shown for name in ODD_NAMES)


def test_base64_data_url_and_raw(app_secrets, sandbox):
    png, jpeg = image_bytes("PNG"), image_bytes("JPEG")
    at = upload_base64(make_app(app_secrets, UPLOAD), "data:image/png;base64," + base64.b64encode(png).decode())
    at = upload_base64(at, base64.b64encode(jpeg).decode(), "raw.jpg")
    assert not at.error
    stored = uploads(app_secrets)
    assert [u.original_filename for u in stored] == ["raw.jpg", "pasted.png"]
    assert [httpx.get(u.url).content for u in stored] == [jpeg, png]
    sent = [r for r in sandbox.control.recent_requests(5) if r["path"].endswith("upload.php")][-1]["body"]
    assert sent["filename"] == "raw.jpg" and sent["image_base64"].startswith("data:image/jpeg;base64,")


def test_base64_refusals(app_secrets):
    at = make_app(app_secrets, UPLOAD)
    cases = [
        ("not base64 !!", "not valid base64"),
        ("data:image/png,abc", "is not base64"),
        (base64.b64encode(b"plain text").decode(), "not a JPG, PNG, GIF or WebP"),
        (base64.b64encode(oversized_png()).decode(), "the limit is 10 MB"),
    ]
    for text, reason in cases:
        at = upload_base64(at, text)
        assert reason in at.error[0].value, text[:30]
        assert at.text_area(key="upload_b64").value == text, "the pasted text is kept"
    assert uploads(app_secrets) == []


def test_api_failure_is_explained_and_nothing_is_stored(app_secrets, sandbox):
    sandbox.control.queue_fault("upload", "500")
    at = upload_files(make_app(app_secrets, UPLOAD), [("fails.png", image_bytes())])
    errors = " ".join(messages(at.error))
    assert md("fails.png") in errors and "server error (5xx)" in errors
    assert uploads(app_secrets) == [] and at.file_uploader[0].value


def test_wrong_key_is_explained(app_secrets):
    secrets = {**app_secrets, "sandbox": {**app_secrets["sandbox"], "api_key": "sk-wrong"}}
    at = upload_files(make_app(secrets, UPLOAD), [("a.png", image_bytes())])
    assert "(401)" in " ".join(messages(at.error))


def test_expired_upload_is_marked_and_not_previewed(app_secrets):
    store = Store(app_secrets["store"]["url"])
    store.add_upload(
        "local",
        url="http://127.0.0.1:9/gone.png",
        stored_filename="gone.png",
        original_filename="old.png",
        size=100,
        mime="image/png",
        expire_at=utcnow() - timedelta(hours=1),
        thumbnail=image_bytes(),
    )
    at = make_app(app_secrets, UPLOAD)
    assert any("Expired" in w.value for w in at.warning)
    assert len(at.image) == 0 and not at.code
    assert "expired" in " ".join(messages(at.caption))


def test_list_is_per_user_and_remove_forgets_an_upload(login_secrets):
    at = upload_files(make_app(login_secrets, UPLOAD, user="alice"), [("alices.png", image_bytes())])
    assert uploads(login_secrets, "bob") == []
    bob = make_app(login_secrets, UPLOAD, user="bob")
    assert "alices" not in " ".join(messages(bob.markdown))
    upload_id = uploads(login_secrets, "alice")[0].id
    at.button(key=f"upload_remove_{upload_id}").click().run()
    assert uploads(login_secrets, "alice") == []


def test_a_second_click_cannot_upload_the_same_files_again(app_secrets, sandbox):
    at = upload_files(make_app(app_secrets, UPLOAD), [("once.png", image_bytes())])
    assert not at.file_uploader[0].value and at.button(key="upload_send_files").disabled
    assert [u.original_filename for u in uploads(app_secrets)] == ["once.png"]
    assert any(md("once.png") in s and "uploaded" in s for s in messages(at.success)), "the result stays shown"


def test_after_an_api_failure_a_retry_sends_only_the_files_not_yet_up(app_secrets, sandbox):
    sandbox.control.queue_fault("upload", "500", count=1)
    at = upload_files(
        make_app(app_secrets, UPLOAD), [("first.png", image_bytes()), ("second.png", image_bytes(color=(1, 2, 3)))]
    )
    assert len(uploads(app_secrets)) == 1 and len(at.file_uploader[0].value) == 2
    at.button(key="upload_send_files").click().run()
    assert sorted(u.original_filename for u in uploads(app_secrets)) == ["first.png", "second.png"]
    assert not at.file_uploader[0].value


def test_the_two_upload_buttons_say_what_each_sends(app_secrets):
    at = make_app(app_secrets, UPLOAD)
    files, b64 = at.button(key="upload_send_files").label, at.button(key="upload_send_b64").label
    assert files != b64 and "files" in files and "image" in b64


def test_the_picker_states_the_checked_limit_in_the_users_language(app_secrets):
    at = make_app(app_secrets, UPLOAD)
    assert at.file_uploader[0].proto.max_upload_size_mb == 50, "a file over 10 MB reaches the checks"
    at.button_group(key="lang_switch").set_value("zh").run()
    style = " ".join(h.proto.body for h in at.get("html"))
    assert "选择文件" in style and "每个文件不超过 10 MB" in style
    assert at.button(key="upload_send_files").label == "上传所选文件"
