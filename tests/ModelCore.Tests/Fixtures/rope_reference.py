#!/usr/bin/env python3
"""RoPE inverse frequencies and attention factors with plain Python math (double precision).

Follows HF transformers' modeling_rope_utils (_compute_default/linear/dynamic_ntk/yarn/llama3_parameters)
as summarised in shared/reference/rope.md. Prints the golden table that RopeFrequenciesTests checks
(head_dim 128, indices 0, 1, 16, 32, 40, 48, 63). Rerun: python3 rope_reference.py
"""
import math

INDICES = [0, 1, 16, 32, 40, 48, 63]


def default(dim, base):
    return [base ** (-(2 * j) / dim) for j in range(dim // 2)], 1.0


def linear(dim, base, factor):
    inv, att = default(dim, base)
    return [f / factor for f in inv], att


def dynamic(dim, base, factor, max_pos, seq_len):
    # HF uses the original base until seq_len exceeds max_position_embeddings.
    seq_len = max(seq_len, max_pos)
    base = base * ((factor * seq_len / max_pos) - (factor - 1)) ** (dim / (dim - 2))
    return default(dim, base)


def yarn(dim, base, factor, orig, beta_fast=32.0, beta_slow=1.0, attention_factor=None):
    if attention_factor is None:
        attention_factor = 1.0 if factor <= 1 else 0.1 * math.log(factor) + 1.0

    def correction_dim(rotations):
        return dim * math.log(orig / (rotations * 2 * math.pi)) / (2 * math.log(base))

    low = max(math.floor(correction_dim(beta_fast)), 0)
    high = min(math.ceil(correction_dim(beta_slow)), dim - 1)
    if low == high:
        high += 0.001  # HF's guard against a zero-width ramp
    out = []
    for j in range(dim // 2):
        ramp = min(max((j - low) / (high - low), 0.0), 1.0)
        f = base ** (-(2 * j) / dim)
        out.append(f * (ramp / factor + (1 - ramp)))
    return out, attention_factor


def llama3(dim, base, factor, low_freq_factor, high_freq_factor, orig):
    inv, _ = default(dim, base)
    low_wavelen = orig / low_freq_factor
    high_wavelen = orig / high_freq_factor
    out = []
    for f in inv:
        w = 2 * math.pi / f
        if w < high_wavelen:
            out.append(f)
        elif w > low_wavelen:
            out.append(f / factor)
        else:
            s = (orig / w - low_freq_factor) / (high_freq_factor - low_freq_factor)
            out.append(f * ((1 - s) / factor + s))
    return out, 1.0


CASES = [
    ("default, base 1e4", default(128, 1e4)),
    ("linear f=8", linear(128, 1e4, 8.0)),
    ("dynamic f=2, max_pos 4096, seq_len 16384", dynamic(128, 1e4, 2.0, 4096, 16384)),
    ("yarn f=8, orig 4096", yarn(128, 1e4, 8.0, 4096)),
    ("yarn f=16, orig 4096", yarn(128, 1e4, 16.0, 4096)),
    ("llama3 base 5e5, f=8, low 1, high 4, orig 8192", llama3(128, 5e5, 8.0, 1.0, 4.0, 8192)),
]

def torch_cross_check():
    """Recomputes every case the way HF's modeling_rope_utils does, with torch tensors in float64."""
    try:
        import torch
    except ImportError:
        print("(torch not installed: cross-check skipped)")
        return

    def t_default(dim, base):
        return 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))

    def t_yarn(dim, base, factor, orig, beta_fast=32.0, beta_slow=1.0):
        def find(rot):
            return (dim * math.log(orig / (rot * 2 * math.pi))) / (2 * math.log(base))
        low, high = max(math.floor(find(beta_fast)), 0), min(math.ceil(find(beta_slow)), dim - 1)
        if low == high:
            high += 0.001
        ramp = torch.clamp((torch.arange(dim // 2, dtype=torch.float64) - low) / (high - low), 0, 1)
        extrapolation = 1 - ramp
        pos = base ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim)
        return (1.0 / (factor * pos)) * (1 - extrapolation) + (1.0 / pos) * extrapolation

    def t_llama3(dim, base, factor, low_f, high_f, orig):
        inv = t_default(dim, base)
        wavelen = 2 * math.pi / inv
        out = torch.where(wavelen > orig / low_f, inv / factor, inv)
        smooth = (orig / wavelen - low_f) / (high_f - low_f)
        smoothed = (1 - smooth) * out / factor + smooth * out
        medium = ~(wavelen < orig / high_f) * ~(wavelen > orig / low_f)
        return torch.where(medium, smoothed, out)

    dyn_base = 1e4 * ((2.0 * 16384 / 4096) - (2.0 - 1)) ** (128 / (128 - 2))
    reference = [t_default(128, 1e4), t_default(128, 1e4) / 8.0, t_default(128, dyn_base),
                 t_yarn(128, 1e4, 8.0, 4096), t_yarn(128, 1e4, 16.0, 4096), t_llama3(128, 5e5, 8.0, 1.0, 4.0, 8192)]
    for (name, (inv, _)), ref in zip(CASES, reference):
        worst = max(abs(a - b) / b for a, b in zip(inv, ref.tolist()))
        assert worst < 1e-12, f"{name}: plain math and torch differ by {worst}"
    print("torch float64 cross-check: all cases agree to 1e-12")


if __name__ == "__main__":
    torch_cross_check()
    print("| case | attention_factor | inv_freq |")
    print("|---|---|---|")
    for name, (inv, att) in CASES:
        print(f"| {name} | {att:.10g} | " + ", ".join(f"{inv[j]:.10g}" for j in INDICES) + " |")
