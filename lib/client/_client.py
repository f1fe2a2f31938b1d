"""`ReshiClient`: the plumbing of `BaseClient` with the API's resources as attributes."""

from __future__ import annotations

from typing import Any

from lib.client._base import BaseClient
from lib.client.billing import Billing
from lib.client.chat import Chat
from lib.client.images import Images
from lib.client.models import Models
from lib.client.uploads import Uploads
from lib.client.videos import Videos

DEFAULT_BASE_URL = "https://www.reshi123.com/api/v1"


class ReshiClient(BaseClient):
    """`ReshiClient(base_url, api_key, *, upload_url, timeout, connect_timeout, max_retries,
    on_call, prices, transport, policy)`: the options are `BaseClient`'s."""

    def __init__(self, base_url: str = DEFAULT_BASE_URL, api_key: str = "", **options: Any):
        super().__init__(base_url, api_key, **options)
        self.chat = Chat(self)
        self.models = Models(self)
        self.images = Images(self)
        self.videos = Videos(self)
        self.uploads = Uploads(self)
        self.billing = Billing(self)
