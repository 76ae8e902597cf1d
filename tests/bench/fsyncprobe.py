#!/usr/bin/env python3
"""What the disk under a directory does to a durable commit: appends 16 KiB and fdatasync()s it,
about 700 times a second for a bounded time, and prints the latency percentiles and the stalls.
Any server that acks only after fsync (confabd, Prosody with a durable archive) shows these
stalls at its p99 whenever they hit. Usage: fsyncprobe.py [DIR] [SECONDS]  (default /tmp, 10)"""
import os
import sys
import time

directory = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
seconds = min(float(sys.argv[2]) if len(sys.argv) > 2 else 10.0, 300.0)
path = os.path.join(directory, "fsyncprobe.%d.bin" % os.getpid())
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
try:
    latencies = []
    block = b"x" * 16384
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        os.write(fd, block)
        os.fdatasync(fd)
        latencies.append((time.perf_counter() - start) * 1000)
        time.sleep(0.001)
finally:
    os.close(fd)
    os.unlink(path)
latencies.sort()
n = len(latencies)
print("fdatasync of a 16 KiB append, %d in %.0f s: p50 %.2f p99 %.2f p99.9 %.2f max %.1f ms; "
      "stalls over 20 ms: %d" % (n, seconds, latencies[n // 2], latencies[int(n * 0.99)],
                                  latencies[int(n * 0.999)], latencies[-1],
                                  sum(1 for x in latencies if x > 20)))
