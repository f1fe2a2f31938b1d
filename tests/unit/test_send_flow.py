"""lib.chat.send_flow: the steps a chat message waits through before it goes, without Streamlit."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lib import chat
from lib.chat import structured
from lib.chat.send_flow import (
    BudgetChecked,
    Choice,
    FilesChecked,
    Looked,
    PendingSend,
    Step,
    Uploaded,
    VariablesFilled,
    advance,
)
from lib.media.upload_checks import Checked

PHOTO = Checked("photo.png", b"\x89PNG...", kind="png")
BROKEN = Checked("notes.txt", b"hello", problem="upload.refused_type")
UPLOADED = ({"name": "photo.png", "url": "https://files.example/1.png", "upload_id": 1, "expire_at": None},)


def settings(**changes) -> dict:
    return {**chat.default_settings(), **changes}


def look(pending: PendingSend, **changes) -> PendingSend:
    return advance(pending, Looked.at(pending, settings(**changes)))


def walk(pending: PendingSend, *events) -> PendingSend:
    for event in events:
        pending = advance(pending, event)
    return pending


# ---------------------------------------------------------------- what a run finds


def test_plain_text_checks_its_files_then_the_budget_then_is_ready():
    pending = look(PendingSend("Hello"))
    assert pending.step is Step.CHECK_FILES
    pending = advance(pending, FilesChecked(()))
    assert pending.step is Step.CHECK_BUDGET and pending.values == {}
    pending = advance(pending, BudgetChecked(fits=True))
    assert pending.step is Step.READY
    assert pending.attachments == () and pending.filled_text() == "Hello"


@pytest.mark.parametrize("text, key", [("   ", "chat.empty_prompt"), ("x" * 100_001, "chat.huge_prompt")])
def test_text_that_cannot_go_alone_is_refused_with_its_reason(text, key):
    pending = look(PendingSend(text))
    assert (pending.step, pending.refusal) == (Step.REFUSED, key)
    assert advance(pending, FilesChecked(())) == pending  # refused stays refused


def test_an_empty_text_with_an_image_is_not_refused():
    assert look(PendingSend("", (("photo.png", PHOTO.data),))).step is Step.CHECK_FILES


def test_settings_that_stop_a_send_hold_it_until_they_are_fixed():
    bad_schema = {"response_format": structured.JSON_SCHEMA, "schema": "{not json"}
    pending = look(PendingSend("Hello"), **bad_schema)
    assert pending.step is Step.FIX_SETTINGS
    assert look(pending, **bad_schema).step is Step.FIX_SETTINGS
    assert look(pending).step is Step.CHECK_FILES  # fixed: it goes on


def test_the_files_are_checked_once():
    pending = walk(PendingSend("Hi", (("photo.png", PHOTO.data),)), Looked(), FilesChecked((PHOTO,)))
    assert pending.step is Step.CHECK_BUDGET
    assert look(pending).step is Step.CHECK_BUDGET  # the next run does not decode them again


# ---------------------------------------------------------------- the user's choices


def test_refused_files_are_asked_about_then_left_out():
    pending = walk(PendingSend("Look", (("notes.txt", b"hello"), ("photo.png", PHOTO.data))), Looked())
    pending = advance(pending, FilesChecked((BROKEN, PHOTO)))
    assert pending.step is Step.ASK_REFUSED_FILES and pending.may_go_without_refused
    assert look(pending).step is Step.ASK_REFUSED_FILES  # asked again until answered
    pending = walk(pending, Choice.SEND_WITHOUT_REFUSED, BudgetChecked(fits=True))
    assert pending.step is Step.UPLOAD and pending.accepted == [PHOTO]


def test_nothing_left_without_the_refused_files_offers_only_cancel():
    pending = walk(PendingSend("  ", (("notes.txt", b"hello"),)), Looked(), FilesChecked((BROKEN,)))
    assert pending.step is Step.ASK_REFUSED_FILES and not pending.may_go_without_refused


def test_variables_are_asked_for_and_filled_in():
    pending = advance(look(PendingSend("Translate into {{language}}")), FilesChecked(()))
    assert pending.step is Step.ASK_VARIABLES
    pending = walk(pending, VariablesFilled({"language": "French"}), BudgetChecked(fits=True))
    assert pending.step is Step.READY and pending.filled_text() == "Translate into French"


def test_a_system_prompt_variable_without_a_value_is_asked_for_too():
    system = {"system": "You speak {{language}}.", "variables": {}}
    assert walk(look(PendingSend("Hi"), **system), FilesChecked(())).step is Step.ASK_VARIABLES
    known = {"system": "You speak {{language}}.", "variables": {"language": "French"}}
    assert walk(look(PendingSend("Hi"), **known), FilesChecked(())).step is Step.CHECK_BUDGET


def test_over_the_budget_it_asks_and_each_run_checks_again():
    pending = walk(PendingSend("Hello"), Looked(), FilesChecked(()), BudgetChecked(fits=False))
    assert pending.step is Step.ASK_BUDGET and not pending.budget_ok
    pending = look(pending)
    assert pending.step is Step.CHECK_BUDGET  # confirmed meanwhile, or a limit raised in another tab
    assert advance(pending, BudgetChecked(fits=True)).step is Step.READY


def test_a_failed_upload_offers_inline_and_a_later_run_tries_the_upload_again():
    pending = walk(PendingSend("Hi", (("photo.png", PHOTO.data),)), Looked(), FilesChecked((PHOTO,)))
    pending = advance(pending, BudgetChecked(fits=True))
    assert pending.step is Step.UPLOAD
    failed = advance(pending, Choice.UPLOAD_FAILED)
    assert failed.step is Step.ASK_INLINE
    assert look(failed).step is Step.UPLOAD
    inline = advance(failed, Choice.SEND_INLINE)
    assert inline.step is Step.READY
    assert inline.attachments and inline.attachments[0]["data_url"].startswith("data:image/png;base64,")


def test_an_upload_that_worked_makes_it_ready_with_the_uploads():
    pending = walk(PendingSend("Hi", (("photo.png", PHOTO.data),)), Looked(), FilesChecked((PHOTO,)))
    pending = walk(pending, BudgetChecked(fits=True), Uploaded(UPLOADED))
    assert pending.step is Step.READY and pending.attachments == UPLOADED
    assert look(pending).step is Step.READY


@pytest.mark.parametrize(
    "events",
    [
        (Looked(),),
        (Looked(), FilesChecked((BROKEN,))),
        (Looked(needs_variables=True), FilesChecked(())),
        (Looked(), FilesChecked(()), BudgetChecked(fits=False)),
    ],
)
def test_cancel_at_any_question_ends_it(events):
    pending = walk(PendingSend("Hello", (("notes.txt", b"hello"),)), *events)
    cancelled = advance(pending, Choice.CANCEL)
    assert cancelled.step is Step.CANCELLED and cancelled.text == "Hello"
    assert look(cancelled) == cancelled  # nothing brings it back


def test_a_click_meant_for_another_step_changes_nothing():
    pending = walk(PendingSend("Hello"), Looked(), FilesChecked(()))
    assert pending.step is Step.CHECK_BUDGET
    for stale in (Choice.SEND_INLINE, Choice.SEND_WITHOUT_REFUSED, VariablesFilled({"x": "1"}), Uploaded(UPLOADED)):
        assert advance(pending, stale) == pending


def test_what_was_decided_is_kept_when_a_later_run_looks_again():
    pending = walk(
        PendingSend("{{a}}", (("notes.txt", b"hello"),)),
        Looked(needs_variables=True),
        FilesChecked((BROKEN,)),
        Choice.SEND_WITHOUT_REFUSED,
        VariablesFilled({"a": "1"}),
    )
    assert pending.step is Step.CHECK_BUDGET
    again = advance(replace(pending, step=Step.LOOK), Looked(needs_variables=True))
    assert again.step is Step.CHECK_BUDGET and again.values == {"a": "1"} and again.skip_refused
