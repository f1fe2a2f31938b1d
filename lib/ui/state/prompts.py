"""What the Prompts page remembers between runs: the prompt open, the one asked to be deleted,
the files imported, the toast said after a rerun, each prompt's editor, and its widgets' keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lib.ui.state import FeatureState, Widget, WidgetFamily


@dataclass
class PromptEditor:
    """One prompt's editor of its next version."""

    base: int | None = None  # the version the next one is made from (None: the newest, when first opened)
    # Its widgets are keyed by this: a new generation (after a save, or on "load the newest")
    # starts them afresh; a refused save keeps them, so nothing typed is lost.
    generation: int = 0
    # The variables and cases tables as they were last run: a new {{variable}} in a template
    # makes a new table, which starts from them, so what was typed before is kept.
    kept: dict[str, Any] | None = None
    stale_since: list[int] | None = None  # a save refused: the versions others saved since `base`

    def widget(self, prompt_id: int, name: str) -> Widget[Any]:
        return EDITOR(prompt_id, f"g{self.generation}", name)

    def start_again(self, base: int) -> None:
        """From `base`, with new (empty) widgets."""
        self.base, self.generation, self.kept, self.stale_since = base, self.generation + 1, None, None


@dataclass
class PromptsState(FeatureState):
    open: int | None = None  # the id of the prompt shown
    delete_asked: int | None = None  # the id of the prompt whose Delete was clicked, to confirm
    imports: int = 0  # files imported: each import makes a new, empty file picker
    notice: str | None = None  # a toast said in the next run (after a st.rerun)
    editors: dict[int, PromptEditor] = field(default_factory=dict)  # by prompt id

    def editor(self, prompt_id: int) -> PromptEditor:
        return self.editors.setdefault(prompt_id, PromptEditor())


SEARCH: Widget[str] = Widget("prompts_search")
NEW_POPOVER: Widget[bool] = Widget("prompts_new_popover")
IMPORT_POPOVER: Widget[bool] = Widget("prompts_import_popover")
POPOVERS = (NEW_POPOVER, IMPORT_POPOVER)
PICK: WidgetFamily[bool] = WidgetFamily("prompts_pick")  # (prompt id)
NEW_FORM: Widget[Any] = Widget("prompts_new_form")
NEW_NAME: Widget[str] = Widget("prompts_new_name")
NEW_SYSTEM: Widget[str] = Widget("prompts_new_system")
IMPORT_BOX: Widget[Any] = Widget("prompts_import_picker")
IMPORT_FILE: WidgetFamily[Any] = WidgetFamily("prompts_import_file")  # (imports so far)
IMPORT_GO: Widget[bool] = Widget("prompts_import_go")
TO_CHAT: Widget[bool] = Widget("prompts_to_chat")
TO_WORKBENCH: Widget[bool] = Widget("prompts_to_workbench")
EXPORT: Widget[bool] = Widget("prompts_export")
SHARE: WidgetFamily[bool] = WidgetFamily("prompts_share")  # (prompt id), and the others below too
RECOMMEND: WidgetFamily[bool] = WidgetFamily("prompts_recommend")
DELETE: WidgetFamily[bool] = WidgetFamily("prompts_delete")
DELETE_GO: WidgetFamily[bool] = WidgetFamily("prompts_delete_go")
# The editor's widgets: (prompt id, "g" + generation, name), made by `PromptEditor.widget`.
EDITOR: WidgetFamily[Any] = WidgetFamily("prompts")
STALE_KEEP: WidgetFamily[bool] = WidgetFamily("prompts_stale_keep")
STALE_LOAD: WidgetFamily[bool] = WidgetFamily("prompts_stale_load")
# History and Compare: the version picked (prompt id, language), its actions, and the two
# versions compared (prompt id, versions, "left" or "right").
HISTORY_PICK: WidgetFamily[int] = WidgetFamily("prompts_history_pick")
HISTORY_TO_CHAT: Widget[bool] = Widget("prompts_hist_chat")
HISTORY_TO_WORKBENCH: Widget[bool] = Widget("prompts_hist_wb")
PIN: Widget[bool] = Widget("prompts_pin")
UNPIN: Widget[bool] = Widget("prompts_unpin")
RESTORE: Widget[bool] = Widget("prompts_restore")
COMPARED: WidgetFamily[int] = WidgetFamily("prompts_cmp")
