#!/usr/bin/python3
"""The relative RMS error of the two int8 slot layouts of `SlotBlob` on real slots: version 2 (a scale per row) and
version 3 (each row's least-squares share of the block's common direction stored apart, the residual quantized).

Reads the JSON line of bench/icae_encode_reference.py (its "slots_first_span": k × d floats of one span) on stdin:
  bench/icae_encode_reference.py MODEL ADAPTER 2 1 1 | tools/slot_int8_error.py --dim 256
and prints, per layout, the median over rows of ||x - decode(encode(x))|| / ||x|| (float64 here; SlotBlob computes
in double too, and stores the direction as binary16, which this script does as well)."""
import argparse, json, sys

import torch


def quantize(x):
    """Symmetric int8 per row: scale = max|x| / 127, round half to even (torch.round), zero rows stay zero."""
    scale = x.abs().max(dim=1, keepdim=True).values / 127
    return torch.where(scale > 0, torch.round(x / torch.where(scale > 0, scale, 1)) * scale, torch.zeros_like(x))


def version3(x):
    m = x.mean(dim=0)
    u = (m / m.abs().max()).half().double() if m.abs().max() > 0 else torch.zeros_like(m)
    a = (x @ u / (u @ u)).float().double() if (u @ u) > 0 else torch.zeros(x.shape[0], dtype=x.dtype)
    with_u = quantize(x - a[:, None] * u) + a[:, None] * u
    plain = quantize(x)
    # SlotBlob keeps a = 0 for a row whose residual scale is not smaller than its own.
    better = (x - a[:, None] * u).abs().max(dim=1).values < x.abs().max(dim=1).values
    return torch.where(better[:, None], with_u, plain)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dim", type=int, required=True)
    args = p.parse_args()
    x = torch.tensor(json.load(sys.stdin)["slots_first_span"], dtype=torch.float64).view(-1, args.dim)
    norm = x.norm(dim=1)
    for name, decoded in (("version 2 (row scales)", quantize(x)), ("version 3 (common direction apart)", version3(x))):
        print(f"{name}: median relative RMS error {((x - decoded).norm(dim=1) / norm).median().item():.4%}")


if __name__ == "__main__":
    main()
