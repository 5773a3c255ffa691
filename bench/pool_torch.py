"""The pooling / upsampling / softmax workloads of bench/pool.ts in PyTorch: the same shapes, the
same gradient (a fixed random dy, not the gradient of a sum), the same timing (warm-up calls, then
the median of timed calls).

    python3 bench/pool_torch.py --threads 1 [--reps 10] [--clock cpu|wall]

Prints one JSON line per workload: {"workload": ..., "median_s": ...}.
"""
import argparse, json, time
import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--reps", type=int, default=10)
p.add_argument("--warmup", type=int, default=3)
p.add_argument("--clock", choices=["cpu", "wall"], default="cpu")  # as bench/pool.ts
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

# name: (input shape, op) — kept identical to WORKLOADS in bench/pool.ts
WORKLOADS = {
    "maxpool2 [256,48,32,32]": ([256, 48, 32, 32], lambda x: F.max_pool2d(x, 2)),
    "avgpool2 [64,128,16,16]": ([64, 128, 16, 16], lambda x: F.avg_pool2d(x, 2)),
    "upsample2x [64,128,16,16]": ([64, 128, 16, 16], lambda x: F.interpolate(x, scale_factor=2, mode="nearest")),
    "softmax [256,10]": ([256, 10], lambda x: torch.softmax(x, -1)),
    "logSoftmax [256,10]": ([256, 10], lambda x: torch.log_softmax(x, -1)),
    "softmax [4096,64]": ([4096, 64], lambda x: torch.softmax(x, -1)),
}


# process CPU time (user + system) or wall time, as bench/pool.ts
now = time.process_time if args.clock == "cpu" else time.perf_counter


def median_time(fn):
    for _ in range(args.warmup):
        fn()
    times = []
    for _ in range(args.reps):
        t0 = now()
        fn()
        times.append(now() - t0)
    times.sort()
    return times[len(times) // 2]


for name, (shape, op) in WORKLOADS.items():
    x = torch.rand(shape) * 2 - 1
    with torch.no_grad():
        dy = torch.randn(op(x).shape)
    xg = x.clone().requires_grad_(True)

    def fwd():
        with torch.no_grad():
            op(x)

    def fwd_bwd():
        xg.grad = None
        op(xg).backward(dy)

    print(json.dumps({"workload": f"{name} fwd", "median_s": median_time(fwd)}), flush=True)
    print(json.dumps({"workload": f"{name} fwd+bwd", "median_s": median_time(fwd_bwd)}), flush=True)
