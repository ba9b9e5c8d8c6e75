"""A small loopback HTTP/1.1 + WebSocket server (h11 for HTTP, websockets' sans-I/O protocol for WebSocket).

Written for fault injection, which ASGI servers hide: it can cut a TCP connection without a close frame,
stream an SSE body line by line, and it sees the client's WebSocket pings."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import h11
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.server import ServerProtocol


@dataclass
class HttpRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes


class HttpResponder:
    def __init__(self, conn: h11.Connection, writer: asyncio.StreamWriter) -> None:
        self._conn = conn
        self._writer = writer

    async def send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        await self.start(status, content_type, length=len(body))
        await self.write(body)
        await self.end()

    async def start(self, status: int, content_type: str, *, length: int | None = None) -> None:
        headers = [("content-type", content_type), ("trace-id", "emu-" + hex(time.monotonic_ns())[2:])]
        if length is not None:
            headers.append(("content-length", str(length)))
        self._writer.write(self._conn.send(h11.Response(status_code=status, headers=headers)) or b"")
        await self._writer.drain()

    async def write(self, data: bytes) -> None:
        self._writer.write(self._conn.send(h11.Data(data=data)) or b"")
        await self._writer.drain()

    async def end(self) -> None:
        self._writer.write(self._conn.send(h11.EndOfMessage()) or b"")
        await self._writer.drain()

    def abort(self) -> None:
        """Cut the TCP connection: no further bytes, no orderly end."""
        self._writer.transport.abort()


class WsConnection:
    def __init__(self, request: Request, proto: ServerProtocol, writer: asyncio.StreamWriter) -> None:
        self.path = urlsplit(request.path).path
        self.query = {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}
        self.headers = {k.lower(): v for k, v in request.headers.raw_items()}
        self.pings = 0
        self.last_activity = time.monotonic()
        self.closed = False
        self._proto = proto
        self._writer = writer
        self._inbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._fragments: list[bytes] = []

    async def recv(self, timeout_s: float | None = None) -> str | None:
        """The next text message; None once the client has closed. Raises TimeoutError."""
        async with asyncio.timeout(timeout_s):
            return await self._inbox.get()

    async def send_text(self, text: str) -> None:
        if self.closed:
            return
        self._proto.send_text(text.encode())
        self.last_activity = time.monotonic()
        await self._flush()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if not self.closed:
            self._proto.send_close(code, reason)
            await self._flush()

    def abort(self) -> None:
        self.closed = True
        self._writer.transport.abort()

    def feed(self, data: bytes) -> None:
        self._proto.receive_data(data)
        for event in self._proto.events_received():
            if isinstance(event, Frame):
                self._on_frame(event)

    def feed_eof(self) -> None:
        self.closed = True
        self._proto.receive_eof()
        self._inbox.put_nowait(None)

    def wake(self) -> None:
        """Make a pending ``recv`` return None: the server side has ended the conversation."""
        self._inbox.put_nowait(None)

    def _on_frame(self, frame: Frame) -> None:
        self.last_activity = time.monotonic()
        if frame.opcode is Opcode.PING:
            self.pings += 1  # the protocol queues the pong itself
        elif frame.opcode is Opcode.CLOSE:
            self._inbox.put_nowait(None)
        elif frame.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
            self._fragments.append(bytes(frame.data))
            if frame.fin:
                data, self._fragments = b"".join(self._fragments), []
                self._inbox.put_nowait(data.decode("utf-8", "replace"))

    async def _flush(self) -> None:
        chunks = self._proto.data_to_send()
        data = b"".join(chunks)
        if data and not self._writer.is_closing():
            self._writer.write(data)
            with contextlib.suppress(ConnectionError):
                await self._writer.drain()
        if b"" in chunks:  # the protocol asks for the TCP connection to end
            self.closed = True
            self._writer.close()


HttpHandler = Callable[[HttpRequest, HttpResponder], Awaitable[None]]
WsHandler = Callable[[WsConnection], Coroutine[Any, Any, None]]


@dataclass
class LoopbackServer:
    http_handler: HttpHandler
    ws_handler: WsHandler
    ws_gate: Callable[[str], int | None] | None = None  # path → HTTP status refusing the upgrade, or None
    host: str = "127.0.0.1"
    port: int = 0
    _server: asyncio.Server | None = None
    _stopping: bool = False
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    async def start(self) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self._server = await asyncio.start_server(self._on_connection, sock=sock)
        self.port = sock.getsockname()[1]
        return self.port

    async def stop(self) -> None:
        self._stopping = True
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()  # handlers see EOF and end on their own
        if self._tasks:
            _, stuck = await asyncio.wait(list(self._tasks), timeout=0.5)
            for task in stuck:
                task.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        sock = writer.get_extra_info("socket")
        if sock is not None:  # asyncio skips this for sockets passed in with ``sock=``; without it Nagle and
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # delayed ACKs add 40 ms a response
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            if b"upgrade: websocket" in head.lower():
                await self._serve_ws(head, reader, writer)
            else:
                await self._serve_http(head, reader, writer)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, h11.ProtocolError):
            pass
        except asyncio.CancelledError:
            if not self._stopping:
                raise  # the connection task is ours to end only when the server stops
        finally:
            self._writers.discard(writer)
            writer.close()
            self._tasks.discard(task)

    async def _serve_http(
        self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        conn = h11.Connection(h11.SERVER)
        conn.receive_data(head)
        while True:
            request: h11.Request | None = None
            body = bytearray()
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    data = await reader.read(65536)
                    conn.receive_data(data)
                    if not data and request is None:
                        return
                elif isinstance(event, h11.Request):
                    request = event
                elif isinstance(event, h11.Data):
                    body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    break
                elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                    return
            assert request is not None
            target = urlsplit(request.target.decode())
            await self.http_handler(
                HttpRequest(
                    method=request.method.decode(),
                    path=target.path,
                    query={k: v[0] for k, v in parse_qs(target.query).items()},
                    headers={k.decode().lower(): v.decode() for k, v in request.headers},
                    body=bytes(body),
                ),
                HttpResponder(conn, writer),
            )
            if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                return
            conn.start_next_cycle()

    async def _serve_ws(
        self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        proto = ServerProtocol(max_size=None)
        proto.receive_data(head)
        request = next(e for e in proto.events_received() if isinstance(e, Request))
        refusal = self.ws_gate(urlsplit(request.path).path) if self.ws_gate else None
        if refusal is not None:
            proto.send_response(proto.reject(refusal, "refused by the emulator\n"))
            writer.write(b"".join(proto.data_to_send()))
            await writer.drain()
            return
        proto.send_response(proto.accept(request))
        ws = WsConnection(request, proto, writer)
        await ws._flush()

        async def pump() -> None:
            try:
                while data := await reader.read(65536):
                    ws.feed(data)
                    await ws._flush()  # pongs, the answer to a close frame
            except ConnectionError:
                pass
            finally:
                ws.feed_eof()

        pump_task = asyncio.create_task(pump())
        handler_task = asyncio.create_task(self.ws_handler(ws))
        try:
            await asyncio.wait({pump_task, handler_task}, return_when=asyncio.FIRST_COMPLETED)
            if handler_task.done():
                await ws.close()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await pump_task  # until the client answers the close
            else:
                # The client is gone: a real server stops synthesizing for it, and a handler left running
                # would take faults meant for the next connection.
                await asyncio.wait({handler_task}, timeout=0.05)
        finally:
            for task in (pump_task, handler_task):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
