"""The canned server of ``canned_server.py`` with faults served at random, for the soak test.

Each request gets, with probability ``--rate``, one fault of a kind drawn uniformly from
:data:`KINDS`, else the canned reply:

- ``429``, ``503``: an HTTP error with ``Retry-After`` (short), which the SDK waits out and retries;
- ``500``: an HTTP error without it (the SDK's own backoff);
- ``reset``: the connection closed with a TCP RST once the request is read;
- ``slow``: the canned reply after ``--slow`` seconds;
- ``truncated``: a reply cut mid-JSON; ``schema``: valid JSON that breaks the schema. A model that
  breaks an article's reply tends to break its re-ask too, so from then on every request about
  that article gets the same bad reply for the rest of this server's life.

With ``--die-after N`` the server SIGKILLs itself while request N is in flight (a server killed
mid-run). Every fault is appended to ``--served FILE`` as it is served, one kind per line (a
``kill`` line for the death), so the count survives the kill: it is what was served, not what
was planned.

Run: ``python -m tests.scale.faulty_server --rate 0.05 --served f.txt``; it prints
``http://127.0.0.1:PORT/v1`` on its first line of stdout, then serves until killed (or for
``--lifetime`` seconds at most).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import struct
import sys
from typing import IO

from aiohttp import web

from tests.scale.canned_server import REPLY, body

KINDS = ("429", "500", "503", "reset", "slow", "truncated", "schema")

_REPLY_TEXT = json.dumps(REPLY)
BAD_REPLIES = {
    "truncated": _REPLY_TEXT[: len(_REPLY_TEXT) // 2],
    "schema": json.dumps({"events": [{"sub_event_type": "picnic", "counts": "many"}]}),
}
_ARTICLE = re.compile(rb"Report number (\d+)\.")


def _completion(content: str) -> bytes:
    payload = json.loads(body("faulty"))
    payload["choices"][0]["message"]["content"] = content
    return json.dumps(payload).encode()


def make_app(
    rate: float, seed: int, slow: float, die_after: int, served: IO[str]
) -> web.Application:
    """The app: POST /v1/chat/completions answers, or serves a fault (see the module doc)."""
    rng = random.Random(seed)
    canned = body("faulty")
    bad = {kind: _completion(text) for kind, text in BAD_REPLIES.items()}
    broken: dict[bytes, str] = {}  # article number -> the bad reply it keeps getting
    requests = 0

    def note(kind: str) -> None:
        served.write(kind + "\n")  # one write per line, unbuffered: it survives the SIGKILL
        served.flush()

    async def completions(request: web.Request) -> web.StreamResponse:
        nonlocal requests
        data = await request.read()
        requests += 1
        if requests == die_after:
            note("kill")
            os.kill(os.getpid(), signal.SIGKILL)
        found = _ARTICLE.search(data)
        number = found.group(1) if found else b""
        kind = broken.get(number) or (rng.choice(KINDS) if rng.random() < rate else "")
        if not kind:
            return web.Response(body=canned, content_type="application/json")
        note(kind)
        if kind in bad:
            broken[number] = kind
            return web.Response(body=bad[kind], content_type="application/json")
        if kind == "reset":
            sock = request.transport.get_extra_info("socket") if request.transport else None
            if sock is not None:  # linger 0: close() sends RST, as a crashed proxy does
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never sent: the connection is gone
        if kind == "slow":
            await asyncio.sleep(slow)
            return web.Response(body=canned, content_type="application/json")
        error = json.dumps({"error": {"message": f"injected {kind}", "type": "server_error"}})
        headers = {} if kind == "500" else {"Retry-After": "0.05"}
        return web.Response(
            status=int(kind), text=error, headers=headers, content_type="application/json"
        )

    app = web.Application()
    app.router.add_post("/v1/chat/completions", completions)
    return app


async def main(args: argparse.Namespace) -> None:
    with open(args.served, "a", encoding="utf-8") as served:
        app = make_app(args.rate, args.seed, args.slow, args.die_after, served)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", args.port, backlog=1024, reuse_address=True)
        await site.start()
        server = site._server  # pyright: ignore[reportPrivateUsage]
        port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        sys.stdout.write(f"http://127.0.0.1:{port}/v1\n")
        sys.stdout.flush()
        await asyncio.sleep(args.lifetime)  # bounded: a forgotten server stops by itself
        await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--slow", type=float, default=0.2)
    parser.add_argument("--die-after", type=int, default=0)
    parser.add_argument("--served", required=True)
    parser.add_argument("--lifetime", type=float, default=900.0)
    asyncio.run(main(parser.parse_args()))
