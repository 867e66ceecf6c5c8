"""The paper's U-Net in PyTorch fp32 eager: the absolute reference for `spineseg bench train` on an NVIDIA GPU.

Same layers as src/model/unet.ts (NCHW here, as PyTorch prefers), same loss (0.6 focal gamma 4 + 0.4 soft Dice,
smooth 1), Adam with Keras defaults. Usage: python3 bench/gpu/unet_torch.py --size 512x640 --batch 8 --steps 20 --json out.json
"""
import argparse, json, time
import torch
import torch.nn as nn
import torch.nn.functional as F


def block(cin, f, rate):
    return nn.ModuleDict({
        "conv1": nn.Conv2d(cin, f, 3, padding=1), "bn": nn.BatchNorm2d(f, eps=1e-3, momentum=0.01),
        "drop": nn.Dropout(rate), "conv2": nn.Conv2d(f, f, 3, padding=1)})


def run_block(b, x):
    return F.relu(b["conv2"](b["drop"](b["bn"](F.relu(b["conv1"](x))))))


class UNet(nn.Module):
    def __init__(self, width_mult=1.0):
        super().__init__()
        ch = lambda n: max(1, round(n * width_mult))
        filters = [ch(f) for f in (16, 32, 64, 128, 256)]
        rates = [0.1, 0.1, 0.2, 0.2, 0.3]
        self.enc = nn.ModuleList()
        cin = 1
        for f, r in zip(filters, rates):
            self.enc.append(block(cin, f, r)); cin = f
        self.bottom = block(cin, ch(512), 0.3); cin = ch(512)
        self.up, self.upbn, self.dec = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        for i, (f, r) in enumerate(zip([ch(256), ch(128), ch(64), ch(32)], [0.2, 0.2, 0.1, 0.1])):
            k = 3 if i == 0 else 2
            # Keras Conv2DTranspose 'same', stride 2: output exactly 2x (3x3: pad 0 before, crop 1 after)
            self.up.append(nn.ConvTranspose2d(cin, f, k, stride=2, padding=0))
            self.upbn.append(nn.BatchNorm2d(f, eps=1e-3, momentum=0.01))
            skip = filters[3 - i]
            self.dec.append(block(f + skip, f, r)); cin = f
        self.head = nn.Conv2d(cin, 4, 1)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.xavier_uniform_(m.weight); nn.init.zeros_(m.bias)

    def forward(self, x):
        skips = []
        for i, b in enumerate(self.enc):
            x = run_block(b, x)
            if i < 4:
                skips.append(x); x = F.max_pool2d(x, 2)
        x = run_block(self.bottom, x)
        for i in range(4):
            h, w = x.shape[2] * 2, x.shape[3] * 2
            x = self.up[i](x)[:, :, :h, :w]
            x = F.leaky_relu(self.upbn[i](x), 0.1)
            x = run_block(self.dec[i], torch.cat([x, skips[3 - i]], 1))
        return self.head(x)


def focal_dice(logits, labels, gamma=4.0, smooth=1.0):
    p = logits.softmax(1)
    logp = logits.log_softmax(1)
    y = F.one_hot(labels, 4).permute(0, 3, 1, 2).float()
    focal = -(y * (1 - p) ** gamma * logp).sum(1).mean()
    inter = (p * y).sum((0, 2, 3)); denom = p.sum((0, 2, 3)) + y.sum((0, 2, 3))
    dice = ((2 * inter + smooth) / (denom + smooth)).mean()
    return 0.6 * focal + 0.4 * (1 - dice)


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--size", default="512x640"); a.add_argument("--batch", type=int, default=8)
    a.add_argument("--width-mult", type=float, default=1.0); a.add_argument("--steps", type=int, default=20)
    a.add_argument("--warmup", type=int, default=3); a.add_argument("--json")
    a.add_argument("--device", default="cuda", help="cuda or cpu")
    a.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    a.add_argument("--serve", action="store_true",
                   help="one training step per line read from stdin, one JSON line {ms, cpu_ms} per step on stdout "
                        "(lets bench/train_ab.ts interleave this side with the others step by step)")
    o = a.parse_args()
    if o.threads: torch.set_num_threads(o.threads)
    W, H = map(int, o.size.split("x"))
    torch.backends.cudnn.allow_tf32 = False; torch.backends.cuda.matmul.allow_tf32 = False  # fp32, as WebGPU
    dev = o.device
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    model = UNet(o.width_mult).to(dev).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    x = torch.rand(o.batch, 1, H, W, device=dev)
    labels = (torch.arange(W, device=dev) * 4 // W).clamp(max=3).expand(o.batch, H, W).contiguous()
    def step():
        sync(); t0 = time.perf_counter(); c0 = time.process_time()
        opt.zero_grad(set_to_none=True)
        loss = focal_dice(model(x), labels); loss.backward(); opt.step()
        sync()
        return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
    if o.serve:
        import sys
        for line in sys.stdin:
            if not line.strip(): break
            ms, cpu_ms = step()
            print(json.dumps({"ms": ms, "cpu_ms": cpu_ms}), flush=True)
        return
    times = []
    for s in range(o.warmup + o.steps):
        ms, _ = step()
        if s >= o.warmup: times.append(ms)
    times.sort(); med = times[len(times) // 2]
    out = {"framework": f"pytorch {torch.__version__} fp32 eager" + (f" (cudnn {torch.backends.cudnn.version()})" if dev == "cuda" else f" CPU, {torch.get_num_threads()} threads"),
           "device": torch.cuda.get_device_name() if dev == "cuda" else "cpu", "size": o.size, "batch": o.batch, "width_mult": o.width_mult,
           "ms_per_step": med, "ms_min": times[0], "ms_max": times[-1], "images_per_s": 1000 * o.batch / med}
    print(json.dumps(out, indent=2))
    if o.json:
        open(o.json, "w").write(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
