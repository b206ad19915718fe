"""A delaying TCP proxy on 127.0.0.1: the database server as if it stood on another machine.

Every chunk of bytes is held `one_way` seconds in each direction (2.5 ms each way: a 5 ms round
trip, a jobcentre's server across the town's network) and then passed on in order; nothing else
is changed, so the connection is as fast as the loopback otherwise. The proxy runs in a process of
its own, so the program measured does not share an interpreter with it.

It counts round trips: a round trip is the client sending again after the server has answered
(the first bytes on a new connection count as one, so a connection's start-up is counted too).
That is what the added delay costs an action: each one waits a whole round trip.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Delayed:
    """The running proxy: `port` to connect to; `round_trips` so far."""

    def __init__(self, port: int, counter: Any) -> None:
        self.port = port
        self._counter = counter

    @property
    def round_trips(self) -> int:
        return int(self._counter.value)


async def _pipe(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    one_way: float,
    on_chunk: Any,
) -> None:
    """Pass bytes from reader to writer, each chunk `one_way` seconds later, in order."""
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def send() -> None:
        while True:
            due, chunk = await queue.get()
            if not chunk:
                break
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(chunk)
            await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()

    sender = asyncio.create_task(send())
    try:
        while chunk := await reader.read(65536):
            on_chunk()
            queue.put_nowait((time.monotonic() + one_way, chunk))
    except OSError:
        pass
    finally:
        queue.put_nowait((0.0, b""))
        await sender


def _serve(target: int, one_way: float, counter: Any, ports: Any) -> None:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            client_w.close()
            return
        answered = True  # the first bytes of a connection start a round trip

        def asked() -> None:
            nonlocal answered
            if answered:
                with counter.get_lock():
                    counter.value += 1
                answered = False

        def answer() -> None:
            nonlocal answered
            answered = True

        with contextlib.suppress(OSError):
            await asyncio.gather(
                _pipe(client_r, server_w, one_way, asked),
                _pipe(server_r, client_w, one_way, answer),
            )

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        ports.put(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


@contextmanager
def delayed(target: int, *, round_trip: float = 0.005) -> Iterator[Delayed]:
    """A proxy to 127.0.0.1:`target` adding `round_trip` seconds to every round trip."""
    spawn = multiprocessing.get_context("spawn")
    counter = spawn.Value("q", 0)
    ports = spawn.Queue()
    process = spawn.Process(
        target=_serve, args=(target, round_trip / 2, counter, ports), daemon=True
    )
    process.start()
    try:
        yield Delayed(ports.get(timeout=60), counter)
    finally:
        process.terminate()
        process.join(timeout=10)
