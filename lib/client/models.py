"""`client.models`: the models the server lists."""

from __future__ import annotations

from typing import Any

from lib import dialects, errors
from lib.client._base import APIResource
from lib.client._call import Call
from lib.client.types import Model
from lib.credits import pricing


def is_chat_model(model_id: str) -> bool:
    """By name alone; a listed `Model` knows better (`Model.is_chat`)."""
    return dialects.is_chat_model({"id": model_id})


def _models(body: Any, call: Call) -> list[Model]:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise errors.MalformedResponseError("models: no 'data' list")
    return [
        Model(
            id=str(m.get("id")),
            owned_by=str(m.get("owned_by") or ""),
            created=m.get("created"),
            endpoint_types=tuple(map(str, m.get("supported_endpoint_types") or ())),
        )
        for m in body["data"]
        if isinstance(m, dict) and m.get("id")
    ]


class Models(APIResource):
    def list(self) -> list[Model]:
        c = self._client
        return c.call("GET", f"{c.base_url}/models", endpoint=pricing.MODELS, retry=True, read=_models)
