"""`python -m lib.sandbox`: serve the sandbox until interrupted (see lib/sandbox/__init__.py)."""

from __future__ import annotations

import argparse

from lib.sandbox import start_sandbox
from lib.sandbox.control import TOKEN_HEADER
from lib.sandbox.dialects import DEFAULT_DIALECT, DIALECTS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lib.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8600)
    parser.add_argument("--credits", type=float, default=1000, help="credits of every key")
    parser.add_argument("--key", action="append", default=[], help="an extra API key (repeatable)")
    parser.add_argument("--video-seconds", type=float, default=15.0, help="how long a video task takes")
    parser.add_argument("--token-rate", type=float, default=40.0, help="chat tokens/s; 0 = unlimited")
    parser.add_argument(
        "--dialect",
        choices=list(DIALECTS),
        default=DEFAULT_DIALECT,
        help="whose shapes and error codes to answer with (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    sandbox = start_sandbox(
        host=args.host,
        port=args.port,
        credits=args.credits,
        keys=args.key,
        token_rate=args.token_rate,
        video_seconds=args.video_seconds,
        control=True,
        dialect=args.dialect,
    )
    print(sandbox.base_url, flush=True)
    print(f"control API: send the header '{TOKEN_HEADER}: {sandbox.control_token}'", flush=True)
    try:
        sandbox.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
