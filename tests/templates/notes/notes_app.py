"""A minimal ASGI notes app: GET /health, GET /notes, POST /notes (JSON)."""

import json
import os

import psycopg


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    dsn = os.environ["CLONE_DATABASE_URL"]
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        if scope["path"] == "/health":
            await conn.execute("SELECT 1")
            status, data = 200, {"ok": True}
        elif scope["path"] == "/notes" and scope["method"] == "POST":
            note = json.loads(body)
            await conn.execute("INSERT INTO notes (title) VALUES (%s)", (note["title"],))
            status, data = 201, {"ok": True}
        elif scope["path"] == "/notes":
            cur = await conn.execute("SELECT title FROM notes ORDER BY id")
            status, data = 200, {"notes": [r[0] for r in await cur.fetchall()]}
        else:
            status, data = 404, {"ok": False}
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(data).encode()})
