"""Drivers: one task played through ``POST /api/agent/query`` (typed) or a ``/ws/voice`` call
(``voice_gateway.client.VoiceClient``) with rendered caller speech; the store read before and after through the
REST API (orders, stock) and the movement ledger, so the task's writes are known."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import websockets

from bench.understanding.catalogues import Catalogue
from bench.understanding.render import Condition, render
from bench.understanding.scenarios import Caller, CallerMode, Task, Write
from bench.understanding.score import Transcript, Turn
from bench.understanding.server import TOKEN, Api, Service, movements
from voice_gateway.audio import frame_bytes
from voice_gateway.client import VoiceClient


@dataclass(frozen=True)
class Heard:
    transcript: str | None
    reply: str
    awaiting: str


class Channel(Protocol):
    async def say(self, text: str) -> Heard: ...

    async def close(self) -> None: ...


class TypedChannel:
    def __init__(self, base: str) -> None:
        self.http = httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        self.session_id = f"bench-{uuid.uuid4().hex[:12]}"

    async def say(self, text: str) -> Heard:
        r = await self.http.post("/api/agent/query", json={"text": text, "session_id": self.session_id})
        r.raise_for_status()
        body: dict[str, Any] = r.json()
        return Heard(None, str(body["reply"]), str(body["awaiting"]))

    async def close(self) -> None:
        await self.http.aclose()


class VoiceChannel:
    """One call on ``/ws/voice``: the caller's speech goes faster than real time (the turn detector counts
    frames, not seconds), then silence as a live microphone sends it while the reply plays to its end."""

    def __init__(self, client: VoiceClient, cond: Condition, salt: str, rate: int) -> None:
        self.client, self.cond, self.salt, self.rate = client, cond, salt, rate
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.errors: list[str] = []  # error codes the server sent during the call
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, cond: Condition, salt: str) -> VoiceChannel:
        client = await VoiceClient.connect(url, record=False)
        rate = 8000 if cond.phone else 16000
        await client.start(rate, token=TOKEN)
        channel = cls(client, cond, salt, rate)
        await channel._until(lambda m: m["type"] == "ready", 10)
        await channel._silence(0.6)  # a greeting, if any, plays out first
        return channel

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                item = await self.client.recv(within_s=3600)
                if isinstance(item, dict):
                    await self.queue.put(item)

    async def _silence(self, seconds: float, speed: float | None = None) -> None:
        await self.client.send_frames(bytes(frame_bytes(self.rate)) * max(1, int(seconds / 0.02)), self.rate,
                                      speed=speed)  # fmt: skip

    async def _until(self, match: Any, within_s: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            try:
                msg = await asyncio.wait_for(self.queue.get(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                return None
            if match(msg):
                return msg
        return None

    async def say(self, text: str) -> Heard:
        pcm, rate = await asyncio.to_thread(render, text, self.cond, self.salt)
        while not self.queue.empty():  # whatever arrived before this turn belongs to the last one
            self.queue.get_nowait()
        await self.client.send_frames(pcm, rate, speed=None)
        transcript: str | None = None
        reply: dict[str, Any] | None = None
        deadline = time.monotonic() + 20.0
        pump = asyncio.create_task(self._keep_talking())
        try:
            while time.monotonic() < deadline:
                msg = await self._until(lambda m: True, deadline - time.monotonic())
                if msg is None:
                    break
                if msg["type"] == "transcript" and msg.get("final", True):
                    transcript = str(msg["text"])
                elif msg["type"] == "reply" and reply is None:
                    reply = msg
                    if not str(msg["text"]).strip():
                        break
                elif msg["type"] in ("audio_end", "clear") and reply is not None:
                    if msg.get("turn_id") == reply["turn_id"]:
                        break
                elif msg["type"] == "error":  # e.g. recognition_failed: the caller heard nothing back
                    self.errors.append(str(msg.get("code")))
                    if reply is None:
                        break
                if reply is None and transcript is not None and time.monotonic() > deadline - 15:
                    deadline = min(deadline, time.monotonic() + 10)
        finally:
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)
        if reply is None:
            return Heard(transcript or "", "", "none")
        return Heard(transcript or "", str(reply["text"]), str(reply["awaiting"]["expect"]
                     if isinstance(reply["awaiting"], dict) else reply["awaiting"]))  # fmt: skip

    async def _keep_talking(self) -> None:
        await self._silence(0.8)  # the end of the utterance, faster than real time
        while True:
            await self._silence(0.2, speed=1.0)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.client.stop()
        self.reader.cancel()
        await asyncio.gather(self.reader, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.client.close()


# -- one task ------------------------------------------------------------------------------------------------
def _store_writes(api: Api, service: Service) -> tuple[dict[str, Write], dict[str, Write]]:
    orders = {o["order_id"]: Write("order", o["sku"], int(o["quantity"]), o["site"]) for o in api.orders()}
    kinds = {"pick": "pick", "sale": "pick", "receipt": "receipt", "count": "count"}
    moves = {
        m["movement_id"]: Write(kinds.get(m["kind"], m["kind"]), m["sku"], int(m["requested"]), m["site"])  # type: ignore[arg-type]
        for m in movements(service)
    }
    return orders, moves


def _figures(api: Api, task: Task) -> tuple[int, ...]:
    if task.sku is None:
        return ()
    item = api.item(task.sku)
    per_site = {s["site"]: int(s["on_hand"]) for s in item["stock"]}
    if task.site is not None:
        return (per_site[task.site],)
    return (int(item["current_quantity"]), *per_site.values())


async def run_task(
    task: Task, cat: Catalogue, cond: Condition, mode: CallerMode, service: Service, api: Api
) -> Transcript:
    figures = await asyncio.to_thread(_figures, api, task)
    before_orders, before_moves = await asyncio.to_thread(_store_writes, api, service)
    caller = Caller(task, cat, mode)
    turns: list[Turn] = []
    error: str | None = None
    channel: Channel | None = None
    try:
        channel = (
            TypedChannel(service.base) if cond.voice is None
            else await VoiceChannel.open(service.ws_voice, cond, task.task_id)
        )  # fmt: skip
        text: str | None = caller.first()
        while text is not None:
            heard = await channel.say(text)
            turns.append(Turn(text, heard.transcript, heard.reply, heard.awaiting))
            if heard.awaiting == "none":  # nothing came back: say it again, as a caller would
                text = caller._say(text) if len(caller.said) < caller.max_turns else None
                continue
            text = caller.respond(heard.reply, heard.awaiting)
    except Exception as exc:  # a broken call is a failed task, reported with its cause
        error = f"{type(exc).__name__}: {exc}"
    finally:
        if channel is not None:
            await channel.close()
    await asyncio.sleep(0.1)
    after_orders, after_moves = await asyncio.to_thread(_store_writes, api, service)
    writes = [w for k, w in after_orders.items() if k not in before_orders]
    writes += [w for k, w in after_moves.items() if k not in before_moves]
    return Transcript(
        task=task, turns=turns, writes=writes, expected_figures=figures,
        repeated_verbatim=caller.repeated_verbatim, choice_offered=caller.choice_offered,
        digits_answered=caller.digits_answered, error=error,
    )  # fmt: skip
