"""The one client for the reshi123 API: chat, models, images, videos, uploads, billing.

Resource style, like openai-python: `client.chat.create(...)`, `client.chat.stream(...)`,
`client.models.list()`, `client.images.generate(prompt)`, `client.videos.create(...)`,
`client.videos.get(task_id)`, `client.uploads.upload_file(...)`, `client.billing.balance()`.

Every failure is a typed error from `lib.errors`. Where things live: `_base.py` the plumbing of
a call (sending, retries, status to typed error, key masking, the ledger hook); `_call.py` one
call from its first attempt to its report, with its deadline and the bounds on what it reads;
one module per resource (`chat.py`, `models.py`, `images.py`, `videos.py`, `uploads.py`,
`billing.py`); `types.py` what calls return. A new endpoint is a method on its resource that
calls `self._client.call(...)`; a new resource is a module and one attribute in `_client.py`.
"""

from lib.client._base import derive_upload_url, mask_key
from lib.client._client import DEFAULT_BASE_URL, ReshiClient
from lib.client.chat import ChatStream
from lib.client.models import is_chat_model
from lib.client.types import (
    Balance,
    CallRecord,
    ChatResult,
    ImageResult,
    Model,
    StreamPart,
    ToolCall,
    UploadResult,
    VideoTask,
)

__all__ = [
    "Balance",
    "CallRecord",
    "ChatResult",
    "ChatStream",
    "DEFAULT_BASE_URL",
    "ImageResult",
    "Model",
    "ReshiClient",
    "StreamPart",
    "ToolCall",
    "UploadResult",
    "VideoTask",
    "derive_upload_url",
    "is_chat_model",
    "mask_key",
]
