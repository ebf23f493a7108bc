"""Audio served for recordings and voicemails: one second of silence, as a WAV file."""

from __future__ import annotations

import struct
from functools import cache

SAMPLE_RATE = 8000


@cache
def silent_wav(seconds: int = 1) -> bytes:
    """8 kHz, 8-bit mono PCM; 0x80 is silence for unsigned 8-bit samples."""
    samples = b"\x80" * (SAMPLE_RATE * seconds)
    header = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE, 1, 8)
    return header + fmt + b"data" + struct.pack("<I", len(samples)) + samples
