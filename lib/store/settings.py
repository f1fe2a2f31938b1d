"""Settings: each user's own key/value settings, and the admin's price overrides (global)."""

from __future__ import annotations

from typing import Any, TypedDict

import sqlalchemy as sa

from lib.credits.pricing import DEFAULT_PRICES, Price
from lib.store.rows import Rows
from lib.store.tables import metadata, updated_column, utcnow

user_settings = sa.Table(
    "user_settings",
    metadata,
    sa.Column("user", sa.String(255), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.JSON),
)

prices = sa.Table(
    "prices",
    metadata,
    sa.Column("endpoint", sa.String(64), primary_key=True),
    sa.Column("model", sa.String(255), primary_key=True),
    sa.Column("per_call", sa.Float, nullable=False, default=0.0),
    sa.Column("per_1k_tokens", sa.Float, nullable=False, default=0.0),
    updated_column(),
)


QUOTA_KEY = "admin_quota"  # a user's own settings never use this key: only admin_set_quota writes it
QUOTA_DEFAULT = "*"  # not a username (lib.accounts.users allows no "*")


class Quota(TypedDict):
    """The most credits a user may spend on the preset connection a day and a month (0: no limit)."""

    daily: float
    monthly: float


class SettingRecords(Rows):
    """The Store's settings and price methods."""

    def get_setting(self, user: str, key: str, default: Any = None) -> Any:
        c = user_settings.c
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(c.value).where(c.user == user, c.key == key)).first()
        return default if row is None else row.value

    def set_setting(self, user: str, key: str, value: Any) -> None:
        self._upsert(user_settings, dict(user=user, key=key), dict(value=value))

    def get_quota(self, user: str) -> Quota | None:
        """The admin's quota for `user` ({"daily": N, "monthly": N}, 0 for none), or None when
        none is set for them. The default for everyone is the row of user QUOTA_DEFAULT."""
        quota: Quota | None = self.get_setting(user, QUOTA_KEY)  # only admin_set_quota writes it
        return quota

    def admin_set_quota(self, user: str, daily: float, monthly: float) -> None:
        """Set `user`'s quota (QUOTA_DEFAULT: everyone's default); both 0 removes it."""
        if daily or monthly:
            self.set_setting(user, QUOTA_KEY, Quota(daily=daily, monthly=monthly))
        else:
            self._delete(user_settings, user_settings.c.user == user, user_settings.c.key == QUOTA_KEY)

    def get_prices(self) -> dict[tuple[str, str], Price]:
        """lib.credits.pricing.DEFAULT_PRICES with the admin's stored overrides on top."""
        result = dict(DEFAULT_PRICES)
        with self.engine.connect() as conn:
            for row in conn.execute(sa.select(prices)):
                result[(row.endpoint, row.model)] = Price(row.per_call, row.per_1k_tokens)
        return result

    def admin_set_price(self, endpoint: str, model: str, per_call: float, per_1k_tokens: float = 0.0) -> None:
        self._upsert(
            prices,
            dict(endpoint=endpoint, model=model),
            dict(per_call=per_call, per_1k_tokens=per_1k_tokens, updated_at=utcnow()),
        )
