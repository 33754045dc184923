"""HTTP load: an open model at a fixed arrival rate, and a closed loop for the maximum rate.

The open model sends request i at t0 + i/rate whether or not earlier answers
have come (a constant-rate generator, not a closed loop), and measures each
latency from the moment the request was due, so a server that falls behind
shows it in the latencies instead of quietly lowering the load.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from bench.stats import Run

Request = Callable[[int], dict[str, Any]]  # index -> keyword arguments of httpx's `request`


class Load:
    """One event loop and one keep-alive client, reused across runs."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.client = self.runner.run(self._client())
        # Failed requests by what failed (an HTTP status or an error type), for the report's note.
        self.failures: Counter[str] = Counter()

    @staticmethod
    async def _client() -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=512, max_keepalive_connections=512)
        return httpx.AsyncClient(limits=limits, timeout=30.0)

    def failures_note(self) -> str:
        """What failed, for a row's note ("" when nothing did); the bench smoke test looks for this phrase."""
        if not self.failures:
            return ""
        failed = ", ".join(f"{count} {what}" for what, count in self.failures.most_common())
        return f"; requests failed, not counted: {failed}"

    def open_model(self, request: Request, *, rate: float, duration: float) -> Run:
        """Requests at `rate` per second for `duration` seconds; latencies from each request's due time."""
        return self.runner.run(self._open(request, rate, duration))

    def closed_loop(self, request: Request, *, clients: int, duration: float) -> Run:
        """`clients` loops sending one request after another for `duration` seconds."""
        return self.runner.run(self._closed(request, clients, duration))

    async def _send(self, request: Request, index: int) -> bool:
        try:
            response = await self.client.request(**request(index))
        except httpx.HTTPError as error:
            self.failures[type(error).__name__] += 1
            return False
        if response.status_code >= 400:
            self.failures[f"{request(index)['method']} {response.status_code}"] += 1
            return False
        return True

    async def _open(self, request: Request, rate: float, duration: float) -> Run:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.02
        latencies: list[float] = []
        finished: list[float] = []

        async def one(index: int) -> None:
            due = start + index / rate
            await asyncio.sleep(max(due - loop.time(), 0))
            if await self._send(request, index):
                latencies.append(loop.time() - due)
                finished.append(loop.time())

        await asyncio.gather(*(one(i) for i in range(max(int(rate * duration), 1))))
        return Run(len(latencies), max(finished, default=start + duration) - start, latencies)

    async def _closed(self, request: Request, clients: int, duration: float) -> Run:
        loop = asyncio.get_running_loop()
        start = loop.time()
        end = start + duration
        latencies: list[float] = []

        async def client(offset: int) -> None:
            index = offset
            while (began := loop.time()) < end:
                if await self._send(request, index):
                    latencies.append(loop.time() - began)
                index += clients

        await asyncio.gather(*(client(i) for i in range(clients)))
        return Run(len(latencies), loop.time() - start, latencies)

    def close(self) -> None:
        self.runner.run(self.client.aclose())
        self.runner.close()
