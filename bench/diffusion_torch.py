"""The diffusion workloads of bench/diffusion.ts in PyTorch, written identically: the same U-Net
(src/models/diffusion: AdaGN residual blocks, attention at 8x8, strided-conv down, nearest+conv up,
concatenated skips, sinusoidal noise embedding + class embedding with a "no class" row), the same
EDM loss (src/diffusion/edm.ts), Adam step, and EDM's Heun sampler with guidance (float64 state).

    python3 bench/diffusion_torch.py --threads 2 [--batch 32] [--n 64] [--steps 18]

Prints one JSON line per workload: {"workload": ..., "seconds": ...}.
"""
import argparse, json, math, time
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--n", type=int, default=64)
p.add_argument("--steps", type=int, default=18)
p.add_argument("--reps", type=int, default=5)
p.add_argument("--classes", type=int, default=4)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

# UNET_CPU (src/models/diffusion/presets.ts)
C, MULT, NRES, ATTN, GROUPS, SIZE = 32, [1, 2, 2], 1, [8], 8, 32
SIGMA_DATA, P_MEAN, P_STD = 0.5, -1.2, 1.2


def noise_embedding(c_noise, dim):
    half = dim // 2
    k = torch.arange(half, dtype=torch.float32)
    f = (1 / 10000) ** (k / max(half - 1, 1))
    x = c_noise[:, None] * f[None, :]
    return torch.cat([torch.cos(x), torch.sin(x)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(GROUPS, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.emb_proj = nn.Linear(emb, 2 * cout)
        self.norm2, self.conv2 = nn.GroupNorm(GROUPS, cout), nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.conv2.weight); nn.init.zeros_(self.conv2.bias)
        self.skip = None if cin == cout else nn.Conv2d(cin, cout, 1)
        self.cout = cout

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        ss = self.emb_proj(emb)[:, :, None, None]
        scale, shift = ss[:, : self.cout], ss[:, self.cout :]
        h = F.silu(self.norm2(h) * (scale + 1) + shift)
        h = self.conv2(h)
        return (h + (x if self.skip is None else self.skip(x))) * math.sqrt(0.5)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm, self.qkv, self.proj = nn.GroupNorm(GROUPS, c), nn.Conv2d(c, 3 * c, 1), nn.Conv2d(c, c, 1)
        nn.init.zeros_(self.proj.weight); nn.init.zeros_(self.proj.bias)

    def forward(self, x):
        n, c, h, w = x.shape
        qkv = self.qkv(self.norm(x)).reshape(n, 3 * c, h * w)
        q, k, v = qkv[:, :c], qkv[:, c : 2 * c], qkv[:, 2 * c :]
        attn = torch.softmax(q.transpose(1, 2) @ k / math.sqrt(c), dim=-1)
        out = (v @ attn.transpose(1, 2)).reshape(n, c, h, w)
        return (x + self.proj(out)) * math.sqrt(0.5)


class Block(nn.Module):
    def __init__(self, cin, cout, emb, attn):
        super().__init__()
        self.res, self.attn = ResBlock(cin, cout, emb), (Attention(cout) if attn else None)

    def forward(self, x, emb):
        h = self.res(x, emb)
        return h if self.attn is None else self.attn(h)


class UNet(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        E = 4 * C
        self.map1, self.map2 = nn.Linear(C, E), nn.Linear(E, E)
        self.class_emb = nn.Embedding(num_classes + 1, E)
        self.conv_in = nn.Conv2d(3, C, 3, padding=1)
        res = [SIZE // 2**l for l in range(len(MULT))]
        self.enc, self.down, self.dec, self.up = nn.ModuleList(), nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        skips, ch = [C], C
        for l, r in enumerate(res):
            for _ in range(NRES):
                self.enc.append(Block(ch, C * MULT[l], E, r in ATTN)); ch = C * MULT[l]; skips.append(ch)
            if l < len(res) - 1:
                self.down.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1)); skips.append(ch)
        self.mid1, self.mid2 = Block(ch, ch, E, True), Block(ch, ch, E, False)
        for l in reversed(range(len(res))):
            for _ in range(NRES + 1):
                self.dec.append(Block(ch + skips.pop(), C * MULT[l], E, res[l] in ATTN)); ch = C * MULT[l]
            if l > 0:
                self.up.append(nn.Conv2d(ch, ch, 3, padding=1))
        self.norm_out, self.conv_out = nn.GroupNorm(GROUPS, ch), nn.Conv2d(ch, 3, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight); nn.init.zeros_(self.conv_out.bias)

    def forward(self, x, c_noise, labels):
        emb = self.map2(F.silu(self.map1(noise_embedding(c_noise, C))))
        emb = F.silu(emb + self.class_emb(labels))
        h = self.conv_in(x); skips = [h]; e = 0
        for l in range(len(MULT)):
            for _ in range(NRES):
                h = self.enc[e](h, emb); e += 1; skips.append(h)
            if l < len(MULT) - 1:
                h = self.down[l](h); skips.append(h)
        h = self.mid2(self.mid1(h, emb), emb)
        d = 0
        for l in reversed(range(len(MULT))):
            for _ in range(NRES + 1):
                h = self.dec[d](torch.cat([h, skips.pop()], 1), emb); d += 1
            if l > 0:
                h = self.up[len(MULT) - 1 - l](F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h)))


def precond(sigma):
    s2 = sigma**2 + SIGMA_DATA**2
    return SIGMA_DATA**2 / s2, sigma * SIGMA_DATA / s2.sqrt(), 1 / s2.sqrt(), sigma.log() / 4


net = UNet(args.classes)
opt = torch.optim.Adam(net.parameters(), lr=3e-4)


def train_step():
    y = torch.rand(args.batch, 3, SIZE, SIZE) * 2 - 1
    labels = torch.randint(0, args.classes + 1, (args.batch,))
    sigma = (P_MEAN + P_STD * torch.randn(args.batch)).exp()
    c_skip, c_out, c_in, c_noise = precond(sigma)
    x = y + sigma[:, None, None, None] * torch.randn_like(y)
    target = (y - c_skip[:, None, None, None] * x) / c_out[:, None, None, None]
    loss = F.mse_loss(net(x * c_in[:, None, None, None], c_noise, labels), target)
    opt.zero_grad(); loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
    opt.step()


def median(fn, reps, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


print(json.dumps({"workload": "diffusion_train_b%d" % args.batch, "seconds": median(train_step, args.reps, 1)}), flush=True)


@torch.no_grad()
def sample():
    # Heun (EDM Algorithm 1), 18 steps, guidance weight 2 on class 0: two terms per image.
    n, N = args.n, args.steps
    a, b = 80 ** (1 / 7), 0.002 ** (1 / 7)
    sig = [(a + i / (N - 1) * (b - a)) ** 7 for i in range(N)] + [0.0]
    labels = torch.cat([torch.full((n,), args.classes), torch.zeros(n, dtype=torch.long)])
    w = 2.0

    def denoise(x, s):
        xs = torch.cat([x, x]).float()
        sg = torch.full((2 * n,), s)
        c_skip, c_out, c_in, c_noise = precond(sg)
        d = c_skip[:, None, None, None] * xs + c_out[:, None, None, None] * net(xs * c_in[:, None, None, None], c_noise, labels)
        d = d.double()
        return (1 - w) * d[:n] + w * d[n:]

    x = torch.randn(n, 3, SIZE, SIZE, dtype=torch.float64) * sig[0]
    for i in range(N):
        s, t = sig[i], sig[i + 1]
        dx = (x - denoise(x, s)) / s
        xe = x + (t - s) * dx
        if t > 0:
            x = x + (t - s) * 0.5 * (dx + (xe - denoise(xe, t)) / t)
        else:
            x = xe
    return x


net.eval()
t0 = time.perf_counter(); sample()
print(json.dumps({"workload": "diffusion_sample_%dx%d" % (args.n, args.steps), "seconds": time.perf_counter() - t0}), flush=True)
