"""The server lets a few page reads run at once and queues the rest in order; posts and static
files are never queued, and a read leaves the count once its response starts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from qinglian.web.app import _Admit

T = TypeVar("T")


class _App:
    """An ASGI app whose GET / waits on an event before answering; records who started."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.go: dict[str, asyncio.Event] = {}
        self.stream_go = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        name = scope["query_string"].decode()
        self.started.append(name)
        if scope["path"] == "/wait":
            await self.go.setdefault(name, asyncio.Event()).wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        if scope["path"] == "/stream":
            await self.stream_go.wait()
        await send({"type": "http.response.body", "body": b""})


def _run(fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Runs on a thread of its own: other tests (the browser's) may leave a loop running here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, fn()).result()


def _scope(method: str, path: str, name: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "query_string": name.encode(), "headers": []}


async def _nothing() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


async def _sent(message: MutableMapping[str, Any]) -> None:
    return None


def test_reads_beyond_the_slots_wait_in_order_and_posts_do_not() -> None:
    async def run() -> list[list[str]]:
        app = _App()
        admit = _Admit(app, slots=1)  # type: ignore[arg-type]
        seen = []
        first = asyncio.create_task(admit(_scope("GET", "/wait", "a"), _nothing, _sent))
        await asyncio.sleep(0.01)
        second = asyncio.create_task(admit(_scope("GET", "/wait", "b"), _nothing, _sent))
        third = asyncio.create_task(admit(_scope("GET", "/wait", "c"), _nothing, _sent))
        await asyncio.sleep(0.01)
        seen.append(list(app.started))  # only a runs
        await admit(_scope("POST", "/", "post"), _nothing, _sent)
        await admit(_scope("GET", "/static/x.js", "static"), _nothing, _sent)
        seen.append(list(app.started))  # the post and the static file went past the queue
        app.go.setdefault("a", asyncio.Event()).set()
        await first
        await asyncio.sleep(0.01)
        seen.append(list(app.started))  # b next, in order of arrival, c still waits
        for n in ("b", "c"):
            app.go.setdefault(n, asyncio.Event()).set()
        await asyncio.gather(second, third)
        seen.append(list(app.started))
        return seen

    seen = _run(run)
    assert seen[0] == ["a"]
    assert seen[1] == ["a", "post", "static"]
    assert seen[2] == ["a", "post", "static", "b"]
    assert seen[3] == ["a", "post", "static", "b", "c"]


def test_a_streaming_response_leaves_the_count_when_it_starts_and_a_failure_frees_its_slot() -> None:
    async def run() -> list[str]:
        app = _App()
        admit = _Admit(app, slots=1)  # type: ignore[arg-type]
        download = asyncio.create_task(admit(_scope("GET", "/stream", "download"), _nothing, _sent))
        await asyncio.sleep(0.01)
        await asyncio.wait_for(admit(_scope("GET", "/", "page"), _nothing, _sent), 1)

        async def broken(scope: Any, receive: Any, send: Any) -> None:
            raise RuntimeError("handler failed")

        failing = _Admit(broken, slots=1)
        for _ in range(2):
            try:
                await asyncio.wait_for(failing(_scope("GET", "/", "x"), _nothing, _sent), 1)
            except RuntimeError:
                pass
        app.stream_go.set()
        await download
        return app.started

    assert _run(run) == ["download", "page"]
