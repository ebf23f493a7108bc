"""Recording files and players, served the way CallRail's app links work: no API key, an
``access_key`` in the query string instead. The audio is a second of valid silent MP3."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from trunkline.sandbox.callrail.world import Doc, World

# One MPEG-1 Layer III frame (128 kbit/s, 44.1 kHz, joint stereo) with empty audio data.
MP3_FRAME = bytes([0xFF, 0xFB, 0x90, 0x64]) + bytes(413)
SILENT_MP3 = MP3_FRAME * 38


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


WAVEFORM_PNG = _png(120, 16)


def _recorded_call(world: World, request: Request) -> Doc | None:
    call = world.table("calls").get(str(request.path_params["call_id"]))
    if call is None or not call["_recorded"] or call["_spam"]:
        return None
    if request.query_params.get("access_key") != call["_access_key"]:
        return None
    return call


def routes_for(world: World) -> dict[str, Callable[[Request], Awaitable[Response]]]:
    async def audio(request: Request) -> Response:
        if _recorded_call(world, request) is None:
            return JSONResponse({"error": "Not found"}, 404)
        return Response(SILENT_MP3, media_type="audio/mpeg")

    async def player(request: Request) -> Response:
        call = _recorded_call(world, request)
        if call is None:
            return JSONResponse({"error": "Not found"}, 404)
        key = call["_access_key"]
        return HTMLResponse(
            f'<!doctype html><title>Call recording</title><audio controls src="recording/redirect'
            f'?access_key={key}"></audio>'
        )

    async def waveform(request: Request) -> Response:
        if _recorded_call(world, request) is None:
            return JSONResponse({"error": "Not found"}, 404)
        return Response(WAVEFORM_PNG, media_type="image/png")

    return {
        "/calls/{call_id}/recording/redirect": audio,
        "/calls/{call_id}/recording": player,
        "/calls/{call_id}/waveforms/{index}.png": waveform,
    }
