"""Real media for the sandbox: a JPEG or PNG per image prompt and an H.264 MP4 per video shape.

Images are seeded from a hash of the prompt, so the same prompt gives the same picture and
different prompts look visibly different; a prompt's variants (state.IMAGE_VARIANTS) share its
gradient and differ in their shapes. Videos depend only on (aspect ratio, duration), so
each shape is encoded once into a temp dir shared by every sandbox on this machine and then
served from disk: polling and downloading cost no CPU.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import os
import random
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

IMAGE_SIZE = 768
VIDEO_SIZES = {"16:9": (640, 360), "9:16": (360, 640), "1:1": (480, 480)}
VIDEO_FPS = 15
# Bump when the video look changes, so stale cached files are not reused.
VIDEO_CACHE_DIR = Path(tempfile.gettempdir()) / "reshi-sandbox-videos-v1"
# DejaVu has no CJK glyphs: characters past Cyrillic would draw as boxes, so they are left out
# of the caption (the hash tag below it still tells prompts apart).
DRAWABLE_LIMIT = 0x0530


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _colour(rng: random.Random, hue: float, light: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, light, rng.uniform(0.55, 0.85))
    return int(r * 255), int(g * 255), int(b * 255)


def _gradient(rng: random.Random, size: int) -> Image.Image:
    hue = rng.random()
    start = np.array(_colour(rng, hue, 0.35), dtype=np.float32)
    end = np.array(_colour(rng, hue + rng.uniform(0.15, 0.45), 0.65), dtype=np.float32)
    angle = rng.uniform(0, np.pi)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) / size
    mix = xs * np.cos(angle) + ys * np.sin(angle)
    mix = (mix - mix.min()) / (mix.max() - mix.min())
    pixels = start + (end - start) * mix[..., None]
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


def _soft_shapes(rng: random.Random, size: int) -> Image.Image:
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(rng.randint(5, 9)):
        x, y, radius = rng.uniform(0, size), rng.uniform(0, size), rng.uniform(size / 12, size / 4)
        fill = _colour(rng, rng.random(), rng.uniform(0.5, 0.85)) + (rng.randint(90, 170),)
        if rng.random() < 0.7:
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)
        else:
            draw.rounded_rectangle((x - radius, y - radius, x + radius, y + radius), radius=radius / 3, fill=fill)
    # Blur premultiplied ("RGBa"), else the transparent black around shapes leaves dark halos.
    return layer.convert("RGBa").filter(ImageFilter.GaussianBlur(size / 60)).convert("RGBA")


def _caption(image: Image.Image, prompt: str, tag: str) -> None:
    drawable = "".join(ch for ch in prompt if ord(ch) < DRAWABLE_LIMIT).strip()
    lines = _wrap(drawable, 28)[:3]
    size = image.width
    band = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(band)
    top = size - 84 - 44 * len(lines)
    draw.rounded_rectangle((32, top, size - 32, size - 32), radius=24, fill=(0, 0, 0, 110))
    image.alpha_composite(band)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((56, top + 16 + 44 * i), line, font=_font(34), fill=(255, 255, 255, 255))
    draw.text((56, size - 62), f"reshi sandbox · #{tag}", font=_font(20), fill=(255, 255, 255, 200))


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word[:width])
    return lines


IMAGE_SAVE_OPTIONS: dict[str, dict[str, Any]] = {"JPEG": {"quality": 88}, "PNG": {"optimize": False}}


def make_image(prompt: str, image_format: str = "JPEG", size: int = IMAGE_SIZE, variant: int = 0) -> bytes:
    """A pretty, prompt-specific picture (JPEG or PNG): a gradient, blurred shapes and the
    prompt as a caption. Dialects differ in the format they send (lib/sandbox/dialects.py).
    Variants of a prompt share its colours and differ in their shapes, as takes of one prompt."""
    digest = hashlib.sha256(prompt.encode()).hexdigest()
    image = _gradient(random.Random(digest), size).convert("RGBA")
    take = digest if variant == 0 else hashlib.sha256(f"{digest}:{variant}".encode()).hexdigest()
    image.alpha_composite(_soft_shapes(random.Random(take), size))
    _caption(image, prompt, take[:8])
    out = io.BytesIO()
    image.convert("RGB").save(out, image_format, **IMAGE_SAVE_OPTIONS[image_format])
    return out.getvalue()


def _frames(width: int, height: int, count: int):
    """Moving colour: drifting colour bands, a bouncing disc and a progress bar."""
    xs, ys = np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)
    radius = min(width, height) // 6
    yy, xx = np.mgrid[-radius:radius, -radius:radius]
    disc = (xx**2 + yy**2) < radius**2
    for i in range(count):
        t = i / VIDEO_FPS
        frame = np.empty((height, width, 3), dtype=np.uint8)
        frame[..., 0] = (128 + 100 * np.sin(xs / width * 2 * np.pi + t * 1.7))[None, :]
        frame[..., 1] = (128 + 100 * np.sin(ys / height * 2 * np.pi + t * 1.1))[:, None]
        frame[..., 2] = int(128 + 100 * np.sin(t * 0.8))
        cx = int((width - 2 * radius) * (0.5 + 0.5 * np.sin(t * 1.3))) + radius
        cy = int((height - 2 * radius) * (0.5 + 0.5 * np.cos(t * 0.9))) + radius
        frame[cy - radius : cy + radius, cx - radius : cx + radius][disc] = (250, 245, 235)
        frame[height - 8 :, : int(width * (i + 1) / count)] = (255, 255, 255)
        yield frame


def encode_video(path: Path, aspect_ratio: str, duration: int) -> Path:
    """Encode an H.264/yuv420p MP4 (plays in Chromium) to `path`, atomically."""
    width, height = VIDEO_SIZES[aspect_ratio]
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    with av.open(str(partial), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=VIDEO_FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "30"}
        for i, pixels in enumerate(_frames(width, height, duration * VIDEO_FPS)):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, VIDEO_FPS)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    os.replace(partial, path)
    return path


class VideoCache:
    """One encode per (aspect ratio, duration), on a background thread, shared by all tasks."""

    def __init__(self, directory: Path = VIDEO_CACHE_DIR):
        self.directory = directory
        self._lock = threading.Lock()
        self._jobs: dict[tuple[str, int], Future] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-video")

    def path_for(self, aspect_ratio: str, duration: int) -> Path:
        return self.directory / f"{aspect_ratio.replace(':', 'x')}-{duration}s.mp4"

    def request(self, aspect_ratio: str, duration: int) -> Future:
        """A future of the file's path; starts the encode unless it is cached or under way."""
        with self._lock:
            job = self._jobs.get((aspect_ratio, duration))
            if job is None or (job.done() and job.exception() is not None):
                job = self._pool.submit(self._ensure, aspect_ratio, duration)
                self._jobs[(aspect_ratio, duration)] = job
            return job

    def _ensure(self, aspect_ratio: str, duration: int) -> Path:
        path = self.path_for(aspect_ratio, duration)
        if path.exists():
            return path
        self.directory.mkdir(parents=True, exist_ok=True)
        return encode_video(path, aspect_ratio, duration)
