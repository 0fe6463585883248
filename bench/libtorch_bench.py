#!/usr/bin/python3
"""libtorch (PyTorch) timings of the speed grid, for bench/README.md: forward and backward (input, kernel and bias
gradients) of conv1d(groups=C) on NCW float32, medians, 1 and 2 threads.

usage: /usr/bin/python3 bench/libtorch_bench.py [--quick]     (Debian: apt-get install python3-torch)
"""
import statistics
import sys
import time

import torch
import torch.nn.functional as F

GRID = [
    ("1x128x64 k3 same", 1, 128, 64, 3, 1, 1, 1, "same"),
    ("32x1000x128 k9 same", 32, 1000, 128, 9, 1, 1, 1, "same"),
    ("8x4096x1536 k4 valid", 8, 4096, 1536, 4, 1, 1, 1, "valid"),
    ("16x2048x64 k5 M4 same", 16, 2048, 64, 5, 4, 1, 1, "same"),
    ("16x4096x256 k7 s2 valid", 16, 4096, 256, 7, 1, 2, 1, "valid"),
    ("16x4096x256 k7 d4 same", 16, 4096, 256, 7, 1, 1, 4, "same"),
    ("64x8192x256 k7 same", 64, 8192, 256, 7, 1, 1, 1, "same"),
]


def same_pads(length, k, s, d):
    out = -(-length // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - length, 0)
    return total // 2, total - total // 2


def median_ms(fn, budget):
    fn()
    fn()
    times = []
    start = time.perf_counter()
    while (time.perf_counter() - start < budget or len(times) < 5) and len(times) < 200:
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    budget = 0.15 if "--quick" in sys.argv else 1.0
    print(f"torch {torch.__version__}, conv1d(groups=C) float32 NCW, medians in ms")
    print(f"{'shape':<24} {'thr':>3} {'forward':>9} {'backward':>9}")
    for name, n, l, c, k, m, s, d, padding in GRID:
        x = torch.randn(n, c, l)
        w = torch.randn(c * m, 1, k)
        b = torch.randn(c * m)
        pads = same_pads(l, k, s, d) if padding == "same" else (0, 0)
        for threads in (1, 2):
            torch.set_num_threads(threads)

            def forward():
                with torch.no_grad():
                    F.conv1d(F.pad(x, pads), w, b, stride=s, dilation=d, groups=c)

            xg = x.clone().requires_grad_(True)
            wg = w.clone().requires_grad_(True)
            bg = b.clone().requires_grad_(True)
            y = F.conv1d(F.pad(xg, pads), wg, bg, stride=s, dilation=d, groups=c)
            dy = torch.randn_like(y)

            def backward():
                torch.autograd.grad(y, (xg, wg, bg), dy, retain_graph=True)

            print(f"{name:<24} {threads:>3} {median_ms(forward, budget):>9.3f} {median_ms(backward, budget):>9.3f}", flush=True)


if __name__ == "__main__":
    main()
