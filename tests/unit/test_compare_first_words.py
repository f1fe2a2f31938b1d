"""A comparison takes in the first words of whichever column has them (issue 30): the script
thread's wait between redraws ends when any column's worker hands something over, not only
the first column's."""

from __future__ import annotations

import socket

from lib.chat.compare import ParallelStreams
from lib.client import ReshiClient

SILENT_SECONDS = 10.0  # the silent server's read timeout: column 0's error, long after column 1's words


def test_the_first_words_of_any_column_end_the_wait(sandbox, api_key):
    asked = [{"role": "user", "content": "whichever column answers first"}]
    with socket.socket() as silent:  # accepts connections (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with (
            ReshiClient(
                f"http://127.0.0.1:{silent.getsockname()[1]}/api/v1", api_key, timeout=SILENT_SECONDS, max_retries=0
            ) as mute,
            ReshiClient(sandbox.base_url, api_key) as client,
        ):
            parallel = ParallelStreams(
                [mute.chat.stream("gpt-4o-mini", asked), client.chat.stream("gpt-4o-mini", asked)]
            ).start()
            try:
                # Each wait is longer than the silent column's timeout: only a wake-up for column 1
                # ends it before that column has failed.
                while not parallel.columns[1].text and parallel.poll(wait=3 * SILENT_SECONDS):
                    pass
                silent_column, answering = parallel.columns
                assert answering.text and answering.error is None
                assert not silent_column.finished and silent_column.error is None
            finally:
                parallel.stop()
