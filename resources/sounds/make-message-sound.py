#!/usr/bin/env python3
"""Writes message.wav: the notification sound, a soft two-note chime (E6 then A6), 0.32 s,
16-bit mono 22.05 kHz. Synthesised here so its source is in the repository; run it again
after a change: python3 make-message-sound.py > message.wav"""
import math
import struct
import sys

RATE = 22050


def note(freq, start, length, total):
    out = [0.0] * total
    for i in range(int(length * RATE)):
        t = i / RATE
        # a quick attack and an exponential decay, with a quiet octave for warmth
        envelope = min(1.0, t / 0.005) * math.exp(-t * 11.0)
        value = math.sin(2 * math.pi * freq * t) + 0.25 * math.sin(4 * math.pi * freq * t)
        j = int(start * RATE) + i
        if j < total:
            out[j] += 0.32 * envelope * value
    return out


def main():
    total = int(0.32 * RATE)
    first = note(1318.5, 0.0, 0.30, total)
    second = note(1760.0, 0.09, 0.23, total)
    samples = [max(-1.0, min(1.0, a + b)) for a, b in zip(first, second)]
    # fade the last 10 ms so the end does not click
    fade = int(0.01 * RATE)
    for k in range(fade):
        samples[total - fade + k] *= 1.0 - k / fade
    data = b"".join(struct.pack("<h", int(s * 32767)) for s in samples)
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16)
    header += b"data" + struct.pack("<I", len(data))
    sys.stdout.buffer.write(header + data)


if __name__ == "__main__":
    main()
