"""The prompt library: prompts and their versions (migration 0004 made them, carrying the presets over).

A prompt belongs to its owner (`user`); a shared one is seen and used by everyone, and edited
by its owner and the admins. Every save is a new version numbered after the version the editor
started from: if someone saved meanwhile, that number is taken and the save is refused
(`StalePrompt`, with the versions saved since), so nothing is overwritten. The pinned version,
else the newest, is the prompt's current one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lib.store.rows import Rows, inserted_id
from lib.store.tables import UTCDateTime, created_column, id_column, metadata, updated_column, user_column, utcnow

prompts = sa.Table(
    "prompts",
    metadata,
    id_column(),
    user_column(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("shared", sa.Boolean, nullable=False, default=False),
    sa.Column("recommended", sa.Boolean, nullable=False, default=False),
    sa.Column("pinned_version", sa.Integer),
    sa.Column("head_version", sa.Integer, nullable=False, default=1),
    created_column(),
    updated_column(),
    sa.UniqueConstraint("user", "name", name="uq_prompts_user_name"),
)

prompt_versions = sa.Table(
    "prompt_versions",
    metadata,
    id_column(),
    sa.Column("prompt_id", sa.Integer, sa.ForeignKey(prompts.c.id, ondelete="CASCADE"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    user_column(),  # who saved it
    sa.Column("note", sa.String(255), nullable=False, default=""),
    sa.Column("content", sa.JSON, nullable=False, default=dict),
    sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    sa.UniqueConstraint("prompt_id", "number", name="uq_prompt_versions_number"),
)


@dataclass
class Prompt:
    id: int
    user: str
    name: str
    shared: bool
    recommended: bool
    pinned_version: int | None
    head_version: int
    created_at: datetime
    updated_at: datetime

    @property
    def current_version(self) -> int:
        return self.pinned_version or self.head_version


@dataclass
class PromptVersion:
    id: int
    prompt_id: int
    number: int
    user: str
    note: str
    content: dict[str, Any]
    created_at: datetime


class StalePrompt(Exception):
    """A save started from a version that is no longer the newest: `since` were saved meanwhile."""

    def __init__(self, since: list[PromptVersion]):
        super().__init__(f"{len(since)} newer version(s)")
        self.since = since


class DuplicatePromptName(Exception):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class PromptRecords(Rows):
    """The Store's prompt-library methods. `user` sees their own prompts and the shared ones;
    `admin=True` (the caller's role, from the session) lets them change shared prompts too."""

    # -- reading --

    def list_prompts(self, user: str) -> list[tuple[Prompt, PromptVersion]]:
        """The prompts `user` can use, each with its current version: recommended first, then by name."""
        p, v = prompts.c, prompt_versions.c
        stmt = (
            sa.select(prompts, *(c.label(f"v_{c.name}") for c in prompt_versions.c))
            .join(
                prompt_versions,
                sa.and_(v.prompt_id == p.id, v.number == sa.func.coalesce(p.pinned_version, p.head_version)),
            )
            .where(self._visible(user))
            .order_by(p.recommended.desc(), sa.func.lower(p.name), p.id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            (
                Prompt(**{c.name: row._mapping[c.name] for c in prompts.c}),
                PromptVersion(**{c.name: row._mapping[f"v_{c.name}"] for c in prompt_versions.c}),
            )
            for row in rows
        ]

    def get_prompt(self, user: str, prompt_id: int) -> Prompt | None:
        return self._one(Prompt, prompts, prompts.c.id == prompt_id, self._visible(user))

    def prompt_versions(self, user: str, prompt_id: int) -> list[PromptVersion]:
        """Every version, oldest first (none if the prompt is not the user's to see)."""
        if self.get_prompt(user, prompt_id) is None:
            return []
        v = prompt_versions.c
        return self._many(PromptVersion, prompt_versions, v.prompt_id == prompt_id, order_by=[v.number])

    def get_prompt_version(self, user: str, prompt_id: int, number: int | None = None) -> PromptVersion | None:
        """Version `number`, or the current one."""
        prompt = self.get_prompt(user, prompt_id)
        if prompt is None:
            return None
        v = prompt_versions.c
        return self._one(
            PromptVersion, prompt_versions, v.prompt_id == prompt_id, v.number == (number or prompt.current_version)
        )

    def can_edit_prompt(self, user: str, prompt: Prompt, admin: bool = False) -> bool:
        return prompt.user == user or (admin and prompt.shared)

    # -- writing --

    def create_prompt(
        self, user: str, name: str, content: dict[str, Any], note: str = "", *, shared: bool = False
    ) -> Prompt:
        """A new prompt with `content` as its version 1; DuplicatePromptName if the user already
        has one of that name (or, shared, if a shared one has it)."""
        now = utcnow()
        with _naming(name):
            with self.engine.begin() as conn:
                self._check_name(conn, user, name, shared)
                result = conn.execute(
                    prompts.insert().values(
                        user=user,
                        name=name,
                        shared=shared,
                        recommended=False,
                        pinned_version=None,
                        head_version=1,
                        created_at=now,
                        updated_at=now,
                    )
                )
                prompt_id = inserted_id(result)
                conn.execute(
                    prompt_versions.insert().values(
                        prompt_id=prompt_id, number=1, user=user, note=note, content=content, created_at=now
                    )
                )
        return self._read_back(Prompt, prompts, prompt_id)

    def save_prompt_version(
        self,
        user: str,
        prompt_id: int,
        content: dict[str, Any],
        base_version: int,
        note: str = "",
        *,
        admin: bool = False,
    ) -> PromptVersion | None:
        """A new version after `base_version` (the one the editor started from); None if the
        user may not edit the prompt; StalePrompt if a version was saved after `base_version`."""
        prompt = self.get_prompt(user, prompt_id)
        if prompt is None or not self.can_edit_prompt(user, prompt, admin):
            return None
        number, now = base_version + 1, utcnow()
        try:
            with self.engine.begin() as conn:
                # Only when the base is still the newest; the unique (prompt, number) settles a race.
                moved = conn.execute(
                    prompts.update()
                    .where(
                        prompts.c.id == prompt_id,
                        prompts.c.head_version == base_version,
                    )
                    .values(head_version=number, updated_at=now)
                ).rowcount
                if not moved:
                    raise StalePrompt([])
                result = conn.execute(
                    prompt_versions.insert().values(
                        prompt_id=prompt_id, number=number, user=user, note=note, content=content, created_at=now
                    )
                )
                new_id = inserted_id(result)
        except (StalePrompt, IntegrityError):
            v = prompt_versions.c
            raise StalePrompt(
                self._many(
                    PromptVersion,
                    prompt_versions,
                    v.prompt_id == prompt_id,
                    v.number > base_version,
                    order_by=[v.number],
                )
            ) from None
        return self._one(PromptVersion, prompt_versions, prompt_versions.c.id == new_id)

    def pin_prompt_version(self, user: str, prompt_id: int, number: int | None, *, admin: bool = False) -> bool:
        """Make version `number` the current one (None: the newest, always)."""
        prompt = self.get_prompt(user, prompt_id)
        if (
            prompt is None
            or not self.can_edit_prompt(user, prompt, admin)
            or (number is not None and not 1 <= number <= prompt.head_version)
        ):
            return False
        return self._update(prompts, dict(pinned_version=number, updated_at=utcnow()), prompts.c.id == prompt_id)

    def share_prompt(self, user: str, prompt_id: int, shared: bool, *, admin: bool = False) -> bool:
        """Share with everyone, or make private again (owner only then); DuplicatePromptName if
        another shared prompt has its name."""
        prompt = self.get_prompt(user, prompt_id)
        if prompt is None or not self.can_edit_prompt(user, prompt, admin) or (not shared and prompt.user != user):
            return False
        with self.engine.begin() as conn:
            if shared:
                self._check_name(conn, prompt.user, prompt.name, True, prompt_id)
            conn.execute(
                prompts.update()
                .where(prompts.c.id == prompt_id)
                .values(shared=shared, recommended=prompt.recommended and shared, updated_at=utcnow())
            )
        return True

    def rename_prompt(self, user: str, prompt_id: int, name: str, *, admin: bool = False) -> bool:
        prompt = self.get_prompt(user, prompt_id)
        if prompt is None or not self.can_edit_prompt(user, prompt, admin):
            return False
        with _naming(name):
            with self.engine.begin() as conn:
                self._check_name(conn, prompt.user, name, prompt.shared, prompt_id)
                conn.execute(prompts.update().where(prompts.c.id == prompt_id).values(name=name, updated_at=utcnow()))
        return True

    def delete_prompt(self, user: str, prompt_id: int, *, admin: bool = False) -> bool:
        prompt = self.get_prompt(user, prompt_id)
        if prompt is None or not self.can_edit_prompt(user, prompt, admin):
            return False
        with self.engine.begin() as conn:
            conn.execute(prompt_versions.delete().where(prompt_versions.c.prompt_id == prompt_id))
            conn.execute(prompts.delete().where(prompts.c.id == prompt_id))
        return True

    def admin_recommend_prompt(self, prompt_id: int, recommended: bool) -> bool:
        """Admins mark a shared prompt as recommended (listed first, with a badge)."""
        return self._update(
            prompts, dict(recommended=recommended), prompts.c.id == prompt_id, prompts.c.shared.is_(True)
        )

    def import_prompt(self, user: str, name: str, versions: list[dict[str, Any]], pinned_version: int | None) -> Prompt:
        """A prompt with a whole history (from `lib.prompts.files.parse_import`), private to `user`;
        each version keeps who saved it and when, where the file says."""
        now = utcnow()
        with _naming(name):
            with self.engine.begin() as conn:
                self._check_name(conn, user, name, False)
                result = conn.execute(
                    prompts.insert().values(
                        user=user,
                        name=name,
                        shared=False,
                        recommended=False,
                        pinned_version=pinned_version,
                        head_version=len(versions),
                        created_at=now,
                        updated_at=now,
                    )
                )
                prompt_id = inserted_id(result)
                conn.execute(
                    prompt_versions.insert(),
                    [
                        dict(
                            prompt_id=prompt_id,
                            number=number,
                            user=v["user"] or user,
                            note=v["note"],
                            content=v["content"],
                            created_at=v["created_at"] or now,
                        )
                        for number, v in enumerate(versions, start=1)
                    ],
                )
        return self._read_back(Prompt, prompts, prompt_id)

    # -- helpers --

    @staticmethod
    def _visible(user: str) -> sa.ColumnElement[bool]:
        return sa.or_(prompts.c.user == user, prompts.c.shared.is_(True))

    @staticmethod
    def _check_name(conn: sa.Connection, owner: str, name: str, shared: bool, other_than: int | None = None) -> None:
        """Two prompts of one owner, or two shared ones, may not have one name (any case)."""
        p = prompts.c
        clash = sa.or_(p.user == owner, p.shared.is_(True)) if shared else (p.user == owner)
        where = [sa.func.lower(p.name) == name.lower(), clash]
        if other_than is not None:
            where.append(p.id != other_than)
        if conn.execute(sa.select(p.id).where(*where).limit(1)).first():
            raise DuplicatePromptName(name)


@contextmanager
def _naming(name: str) -> Iterator[None]:
    """The database's unique (owner, name) as DuplicatePromptName: two saves racing on one name."""
    try:
        yield
    except IntegrityError:
        raise DuplicatePromptName(name) from None
