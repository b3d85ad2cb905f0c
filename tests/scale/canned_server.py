"""A fast loopback OpenAI-compatible server with one canned, valid extraction (aiohttp).

Used by the interruption test and ``benchmarks/throughput.py``. It runs in its own process, so its
CPU is not charged to the process under test, and it answers concurrently (asyncio), so with a fixed
``--delay`` the ideal throughput of a client at concurrency C is C / delay.

Run: ``python -m tests.scale.canned_server --delay 0.2``; it prints ``http://127.0.0.1:PORT/v1``
on its first line of stdout, then serves until killed (or for ``--lifetime`` seconds at most).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from aiohttp import web

ARTICLE = (
    "Regime loyalists captured the town of Al-Zakat on Wednesday. "
    "It said the clashes overnight killed 10 regime loyalists and 18 opposition fighters."
)
"""Every article of the scale tests starts with this text; the canned reply is grounded in it."""

REPLY = {
    "events": [
        {
            "evidence": "It said the clashes overnight killed 10 regime loyalists",
            "event_type": "battles",
            "sub_event_type": "armed_clash",
            "summary": "overnight clashes",
            "date": {"text": "overnight", "precision": "day"},
            "counts": [
                {
                    "evidence": "killed 10 regime loyalists",
                    "kind": "killed",
                    "value": 10,
                    "qualifier": "exact",
                    "who": "regime loyalists",
                }
            ],
        }
    ]
}


def article(i: int) -> dict[str, str]:
    """Article ``i`` of a synthetic corpus: distinct texts (distinct cache keys), one reply."""
    return {"id": f"a{i:05d}", "text": f"{ARTICLE} Report number {i}."}


def body(model: str) -> bytes:
    """The chat.completion body."""
    return json.dumps(
        {
            "id": "chatcmpl-canned",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": json.dumps(REPLY)},
                }
            ],
            "usage": {"prompt_tokens": 900, "completion_tokens": 120, "total_tokens": 1020},
        }
    ).encode()


def make_app(delay: float) -> web.Application:
    """The app: POST /v1/chat/completions sleeps ``delay`` seconds, then replies."""
    canned = body("canned")
    served = 0

    async def completions(request: web.Request) -> web.Response:
        nonlocal served
        await request.read()
        if delay:
            await asyncio.sleep(delay)
        served += 1
        return web.Response(body=canned, content_type="application/json")

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response({"served": served})

    app = web.Application()
    app.router.add_post("/v1/chat/completions", completions)
    app.router.add_get("/stats", stats)
    return app


async def main(delay: float, lifetime: float) -> None:
    runner = web.AppRunner(make_app(delay), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    server = site._server  # pyright: ignore[reportPrivateUsage]
    port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    sys.stdout.write(f"http://127.0.0.1:{port}/v1\n")
    sys.stdout.flush()
    await asyncio.sleep(lifetime)  # bounded: a forgotten server stops by itself
    await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--lifetime", type=float, default=900.0)
    args = parser.parse_args()
    asyncio.run(main(args.delay, args.lifetime))
