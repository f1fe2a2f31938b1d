"""The dialects of the relay family, read into one meaning: pure functions, no HTTP.

The provider's own document (docs/API.md) is one dialect. Servers built on new-api or one-api,
and OpenAI's own Sora video API, answer the same calls with other field names, other envelopes,
other status words and other error codes. Each variant is one row in a table of the module that
reads that kind of answer; the first row that matches wins, so a table's order is its rule where
dialects conflict. docs/API.md, "Dialects", is the same tables in prose.

- `envelopes`: success envelopes, and the typed error an answer means (`error_for`)
- `videos`: video task fields, the create/poll routes, where a video's bytes are
- `images`: an image answer's bytes or URL
- `billing`: the balance from the billing pair
- `models`: which listed models chat
- `tool_calls`: tool calls, whole or in fragments
- `streams`: a reply's thinking and answer text, token probabilities, thinking tokens

Callers use this package's names (`dialects.task_from_body`); a table stays in its module.
"""

from lib.dialects.billing import HARD_LIMIT_IS_REMAINING, HARD_LIMIT_IS_TOTAL, BillingFigures, billing_from
from lib.dialects.envelopes import error_for, error_kind_for, unwrap_envelope
from lib.dialects.images import image_from_body
from lib.dialects.models import is_chat_model
from lib.dialects.streams import ANSWER, THINKING, InlineThinking, delta_texts, reasoning_tokens, token_logprobs
from lib.dialects.tool_calls import ToolCallPiece, finish_reason_with_calls, tool_call_pieces
from lib.dialects.videos import VIDEO_ROUTES, TaskFields, VideoRoute, task_from_body, video_content_url

__all__ = [
    # envelopes and errors
    "unwrap_envelope",
    "error_kind_for",
    "error_for",
    # video tasks
    "TaskFields",
    "task_from_body",
    "VideoRoute",
    "VIDEO_ROUTES",
    "video_content_url",
    # images
    "image_from_body",
    # billing and models
    "BillingFigures",
    "billing_from",
    "HARD_LIMIT_IS_TOTAL",
    "HARD_LIMIT_IS_REMAINING",
    "is_chat_model",
    # chat: tool calls, streamed text, probabilities
    "ToolCallPiece",
    "tool_call_pieces",
    "finish_reason_with_calls",
    "THINKING",
    "ANSWER",
    "delta_texts",
    "InlineThinking",
    "reasoning_tokens",
    "token_logprobs",
]
