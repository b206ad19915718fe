"""A delaying TCP proxy on 127.0.0.1: the database server as if it stood on another machine.

Every chunk of bytes is held `one_way` seconds in each direction (2.5 ms each way: a 5 ms round
trip, a jobcentre's server across the town's network) and then passed on in order; nothing else
is changed. The proxy runs in a process of its own, so the program measured does not share an
interpreter with it, and each direction of a connection is a thread that sleeps until its chunk
is due: an event loop's timers wait whole milliseconds (epoll), which made 2.5 ms into 3 or more.

It counts round trips: a round trip is the client sending again after the server has answered
(the first bytes on a new connection count as one, so a connection's start-up is counted too).
That is what the added delay costs an action: each one waits a whole round trip.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
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


def _pipe(
    source: socket.socket, target: socket.socket, one_way: float, seen: Callable[[], None]
) -> None:
    """Pass bytes from source to target, each chunk `one_way` seconds after it came, in order."""
    chunks: queue.Queue[tuple[float, bytes]] = queue.Queue()

    def send() -> None:
        while True:
            due, chunk = chunks.get()
            if not chunk:
                break
            while (wait := due - time.perf_counter()) > 0:
                time.sleep(wait)
            try:
                target.sendall(chunk)
            except OSError:
                break
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        while chunk := source.recv(65536):
            seen()
            chunks.put((time.perf_counter() + one_way, chunk))
    except OSError:
        pass
    finally:
        chunks.put((0.0, b""))
        sender.join()


def _serve(target: int, one_way: float, counter: Any, ports: Any) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    ports.put(listener.getsockname()[1])
    while True:
        client, _address = listener.accept()
        server = socket.create_connection(("127.0.0.1", target))
        for sock in (client, server):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        answered = [True]  # the first bytes of a connection start a round trip

        def asked(answered: list[bool] = answered) -> None:
            if answered[0]:
                with counter.get_lock():
                    counter.value += 1
                answered[0] = False

        def answer(answered: list[bool] = answered) -> None:
            answered[0] = True

        for args in ((client, server, one_way, asked), (server, client, one_way, answer)):
            threading.Thread(target=_pipe, args=args, daemon=True).start()


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
