#!/usr/bin/env python3
"""Reference for `memplat bench engine`: the same matmuls and small op, timed in PyTorch (python3-torch)
on the same libtorch, so the C# engine is compared side by side in one run.
Prints JSON: {"matmul": [{"dtype", "n", "gflops"}], "op_overhead_us": x, "threads": t}."""
import json, statistics, sys, time
import torch

threads, repeats = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)
results = []
with torch.no_grad():
    for dtype_name, dtype in (("f32", torch.float32), ("bf16", torch.bfloat16)):
        for n in (512, 1024, 2048):
            a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
            for _ in range(2):
                torch.matmul(a, b)
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter(); torch.matmul(a, b); times.append(time.perf_counter() - t0)
            results.append({"dtype": dtype_name, "n": n, "gflops": 2 * n ** 3 / statistics.median(times) / 1e9})
    x, y = torch.ones(1), torch.ones(1)
    calls = 50_000
    for _ in range(1000):
        torch.add(x, y)
    t0 = time.perf_counter()
    for _ in range(calls):
        torch.add(x, y)
    overhead = (time.perf_counter() - t0) / calls * 1e6
print(json.dumps({"matmul": results, "op_overhead_us": overhead, "threads": torch.get_num_threads()}))
