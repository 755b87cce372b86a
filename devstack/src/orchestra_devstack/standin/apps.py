"""A stand-in for RStudio or Jupyter: one HTML page and a WebSocket echo, behind the real gate.

The emulated cluster runs no pods, so in the dev stack the gate sends every
admitted workshop here. The page says which workshop (from the Host header the
gate passes on) and which cookies the application received (never the gate's
own), and echoes over ``/ws`` what it is sent, so the whole open flow, WebSocket
included, can be tried in a browser. Also the small upstream of the gate's
tests and benchmark. ``/_standin/request`` answers what arrived, as JSON.

With ``work_folders`` (the emulated cluster's, ``--work-folders``), ``PUT
/_standin/files/{path}`` saves a file into the workshop's stand-in work folder and
``GET`` reads it back: what a learner writes in a notebook, for the export of their
work (docs/src/content/docs/decisions/0060). The folder exists while the workshop runs (the fake kubelet
keeps it); before and after, the answer is 404.
"""

from __future__ import annotations

import html
from pathlib import Path, PurePosixPath

from aiohttp import WSMsgType, web

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{instance}: stand-in workshop</title>
<style>body{{font-family:system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem}}
code{{background:#eee;padding:0 .2rem}}</style></head>
<body><h1>Workshop <code>{instance}</code></h1>
<p>This is the dev stack's stand-in application: no pod runs on the emulated cluster,
so the gate sends you here once it has checked you are the workshop's owner.</p>
<p>WebSocket echo: <output id="echo">connecting...</output></p>
<script>
const ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/ws");
ws.onopen = () => ws.send("hello through the gate");
ws.onmessage = (e) => {{ document.getElementById("echo").textContent = e.data; }};
ws.onerror = () => {{ document.getElementById("echo").textContent = "failed"; }};
</script></body></html>
"""


def instance_of(request: web.BaseRequest) -> str:
    return request.host.partition(".")[0]


async def page(request: web.Request) -> web.Response:
    return web.Response(
        text=PAGE.format(instance=html.escape(instance_of(request))), content_type="text/html"
    )


async def seen(request: web.Request) -> web.Response:
    body = await request.read()
    return web.json_response(
        {
            "method": request.method,
            "path": request.path_qs,
            "host": request.host,
            "cookie": request.headers.get("Cookie"),
            "forwarded_for": request.headers.get("X-Forwarded-For"),
            "body_length": len(body),
        }
    )


async def echo(request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse()
    await socket.prepare(request)
    async for message in socket:
        if message.type == WSMsgType.TEXT:
            await socket.send_str(message.data)
        elif message.type == WSMsgType.BINARY:
            await socket.send_bytes(message.data)
    return socket


def _file(request: web.Request, work_folders: Path) -> Path:
    folder = work_folders / instance_of(request)
    relative = PurePosixPath(request.match_info["path"])
    if not folder.is_dir() or relative.is_absolute() or ".." in relative.parts:
        raise web.HTTPNotFound(text="no such workshop folder")
    return folder.joinpath(*relative.parts)


def file_routes(work_folders: Path) -> list[web.RouteDef]:
    async def put(request: web.Request) -> web.Response:
        path = _file(request, work_folders)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(await request.read())
        return web.Response(status=201)

    async def get(request: web.Request) -> web.Response:
        path = _file(request, work_folders)
        if not path.is_file():
            raise web.HTTPNotFound()
        return web.Response(body=path.read_bytes())

    return [web.put("/_standin/files/{path:.+}", put), web.get("/_standin/files/{path:.+}", get)]


def standin_app(work_folders: Path | None = None) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    if work_folders is not None:
        app.add_routes(file_routes(work_folders))
    app.router.add_get("/ws", echo)
    app.router.add_route("*", "/_standin/request", seen)
    app.router.add_get("/{tail:.*}", page)
    return app
