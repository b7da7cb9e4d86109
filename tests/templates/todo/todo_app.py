"""A tiny to-do API: GET /health, GET|POST /lists, POST /lists/{id}/items (JSON).

Invalid input is refused with 400 and a duplicate list title with 409, so a
seeder's rejections are real.
"""

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
    path, method = scope["path"], scope["method"]
    parts = path.strip("/").split("/")
    async with await psycopg.AsyncConnection.connect(
        os.environ["CLONE_DATABASE_URL"], autocommit=True
    ) as conn:
        try:
            if path == "/health":
                await conn.execute("SELECT 1")
                status, data = 200, {"ok": True}
            elif path == "/lists" and method == "POST":
                cur = await conn.execute(
                    "INSERT INTO lists (title) VALUES (%s) RETURNING id",
                    (json.loads(body)["title"],),
                )
                status, data = 201, {"id": (await cur.fetchone())[0]}
            elif path == "/lists":
                cur = await conn.execute(
                    "SELECT l.title, i.text, i.done FROM lists l LEFT JOIN items i"
                    " ON i.list_id = l.id ORDER BY l.id, i.id"
                )
                lists: dict[str, list] = {}
                for title, text, done in await cur.fetchall():
                    lists.setdefault(title, [])
                    if text is not None:
                        lists[title].append({"text": text, "done": done})
                status, data = 200, {"lists": lists}
            elif len(parts) == 3 and parts[0] == "lists" and parts[2] == "items":
                item = json.loads(body)
                await conn.execute(
                    "INSERT INTO items (list_id, text, done) VALUES (%s, %s, %s)",
                    (int(parts[1]), item["text"], bool(item.get("done", False))),
                )
                status, data = 201, {"ok": True}
            else:
                status, data = 404, {"error": "not_found"}
        except psycopg.errors.UniqueViolation:
            status, data = 409, {"error": "name_taken"}
        except (
            psycopg.errors.CheckViolation,
            psycopg.errors.ForeignKeyViolation,
            KeyError,
            ValueError,
        ):
            status, data = 400, {"error": "invalid"}
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(data).encode()})
