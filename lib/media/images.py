"""Generating images: several at once over the one client, saved to the user's gallery.

Each image is its own API call (so its own ledger row, through the client's hook). The calls run
side by side in a thread pool: httpx's client is thread-safe, and the hook only writes to the
store, which is too. Results come back in the order they finish, so a page can show each image
the moment it arrives. Streamlit-free.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed

from PIL import Image

from lib import errors
from lib.client import ImageResult, ReshiClient
from lib.credits import pricing
from lib.media import imagetypes
from lib.safe_text import file_slug
from lib.store import Media, Store

MAX_IMAGES = 4
EXAMPLE_COUNT = 4  # i18n keys images.example.1 .. images.example.4
_SLUG_LENGTH = 40


def estimate_credits(client: ReshiClient, count: int) -> float:
    return client.credits_for(pricing.IMAGES) * count


def generate_concurrently(
    client: ReshiClient, prompt: str, count: int
) -> Iterator[tuple[int, ImageResult | errors.ReshiError]]:
    """Start `count` generations at once; yield (slot, image or error) as each one finishes."""
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="image") as pool:
        futures = {pool.submit(client.images.generate, prompt): slot for slot in range(count)}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result()
            except errors.ReshiError as exc:
                yield futures[future], exc


def image_size(data: bytes) -> tuple[int | None, int | None]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (OSError, ValueError, Image.DecompressionBombError):  # "cannot identify", truncated, a bomb
        return None, None


def save_image(store: Store, user: str, prompt: str, result: ImageResult) -> Media:
    width, height = image_size(result.data)
    meta = {"request_id": result.request_id, "source_url": result.source_url}
    return store.add_media(
        user,
        data=result.data,
        mime=result.mime or "application/octet-stream",
        prompt=prompt,
        width=width,
        height=height,
        credits=result.credits,
        meta={k: v for k, v in meta.items() if v},
    )


def download_name(media: Media) -> str:
    """`image-20250101-120000-a-red-fox.jpg`: sortable, tells images apart, extension from the bytes."""
    kind = next((k for k, mime in imagetypes.MIME.items() if mime == media.mime), None)
    extension = imagetypes.EXTENSION.get(kind or "", "bin")
    slug = file_slug(media.prompt.lower(), _SLUG_LENGTH)
    stamp = media.created_at.strftime("%Y%m%d-%H%M%S")
    return f"image-{stamp}{'-' + slug if slug else ''}.{extension}"


def distinct_errors(failures: list[errors.ReshiError]) -> list[errors.ReshiError]:
    """The first failure of each kind: four identical 429s are one message, not four."""
    first_of_kind: dict[str, errors.ReshiError] = {}
    for exc in failures:
        first_of_kind.setdefault(exc.kind, exc)
    return list(first_of_kind.values())
