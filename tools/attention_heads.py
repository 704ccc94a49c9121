#!/usr/bin/python3
"""Which attention heads copy, at which RoPE scale g: the induction-head diagnostic (Olsson et al. 2022, "In-context
learning and induction heads") on the inputs of `memplat eval copy`, [BOS] S S with S a random 48-token sequence.

For every layer and head, averaged over the second copy's queries (query at position i of the second S):
  prev       attention weight on the token just before the query (a previous-token head puts ~1 there);
  induction  attention weight on the token after the query's earlier occurrence, i − len(S) + 1 (an induction head:
             "find where this token stood before and look at what followed it").
Copying needs both, in that order (a previous-token head in an earlier layer, an induction head after it). g is applied
as the config's e2llm.interpolation says: linear (positions divided by g, so neighbours sit 1/g rad apart at the
highest frequency) or yarn (YaRN with factor g over the base window: fast frequencies kept, cos/sin × 0.1·ln g + 1).

Usage: tools/attention_heads.py MODEL_DIR [--scales 1,2,4,8,16] [--sequences 16] [--length 48] [--profile L.H] [--json]
  --profile L.H also prints head L.H's mean attention weight on the keys 0..8 tokens back, per g.
Plain PyTorch in float32 on the model's safetensors (python3-torch, as bench/icae_encode_reference.py). Prints, per g,
the second-copy loss (the same protocol as `eval copy`, fp32 here and its own random sequences) and the best
previous-token and induction heads; --json prints every head's scores."""
import argparse, json, math, os, sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from icae_encode_reference import read_safetensors, rms_norm, rotate_half  # noqa: E402


class Llama:
    """The base model in float32, returning the attention weights of every layer with the logits."""

    def __init__(self, model_dir):
        cfg = json.load(open(os.path.join(model_dir, "config.json")))
        self.cfg = cfg
        self.d, self.layers = cfg["hidden_size"], cfg["num_hidden_layers"]
        self.h, self.hkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
        self.hd = cfg.get("head_dim") or self.d // self.h
        self.eps, self.vocab = cfg["rms_norm_eps"], cfg["vocab_size"]
        self.w = {n: t.float() for n, t in read_safetensors(os.path.join(model_dir, "model.safetensors")).items()}
        self.theta = cfg.get("rope_theta", 10000.0)
        self.inv_freq = 1.0 / (self.theta ** (torch.arange(0, self.hd, 2).double() / self.hd))
        e2llm = cfg.get("e2llm") or {}
        self.interpolation = e2llm.get("interpolation", "linear")
        self.window = e2llm.get("base_window", cfg["max_position_embeddings"])

    def rope(self, g):
        """(inverse frequencies, cos/sin factor) at scale g: RopeFrequencies.Compute's two ways of applying g."""
        if self.interpolation != "yarn" or g == 1:
            return self.inv_freq / g, 1.0
        def correction_dim(rotations):   # the dimension whose frequency turns `rotations` times over the window
            return self.hd * math.log(self.window / (rotations * 2 * math.pi)) / (2 * math.log(self.theta))
        low = max(math.floor(correction_dim(32.0)), 0)
        high = min(math.ceil(correction_dim(1.0)), self.hd - 1)
        high = high + 0.001 if low == high else high
        ramp = ((torch.arange(self.hd // 2).double() - low) / (high - low)).clamp(0, 1)
        return self.inv_freq * (ramp / g + (1 - ramp)), 0.1 * math.log(g) + 1.0

    def lin(self, name, x):
        return torch.nn.functional.linear(x, self.w[name])

    @torch.no_grad()
    def forward(self, ids, g, input_scale=None):
        """Logits and attention maps of ids [B, T] at scale g; input_scale [T] multiplies the input embeddings."""
        B, T = ids.shape
        x = torch.nn.functional.embedding(ids, self.w["model.embed_tokens.weight"])
        if input_scale is not None:
            x = x * input_scale[None, :, None]
        inv_freq, factor = self.rope(g)
        freqs = torch.outer(torch.arange(T).double(), inv_freq)                  # linear: angle (m / g) · θ_j
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = (emb.cos() * factor).float(), (emb.sin() * factor).float()
        causal = torch.full((T, T), float("-inf")).triu(1)
        rep = self.h // self.hkv
        maps = []
        for i in range(self.layers):
            p = f"model.layers.{i}."
            hs = rms_norm(x, self.w[p + "input_layernorm.weight"], self.eps)
            q = self.lin(p + "self_attn.q_proj.weight", hs).view(B, T, self.h, self.hd).transpose(1, 2)
            k = self.lin(p + "self_attn.k_proj.weight", hs).view(B, T, self.hkv, self.hd).transpose(1, 2)
            v = self.lin(p + "self_attn.v_proj.weight", hs).view(B, T, self.hkv, self.hd).transpose(1, 2)
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
            attn = torch.softmax(torch.matmul(q, k.transpose(2, 3)) * self.hd ** -0.5 + causal, dim=-1)   # [B, H, T, T]
            maps.append(attn)
            x = x + self.lin(p + "self_attn.o_proj.weight", torch.matmul(attn, v).transpose(1, 2).reshape(B, T, -1))
            hs = rms_norm(x, self.w[p + "post_attention_layernorm.weight"], self.eps)
            gate, up = self.lin(p + "mlp.gate_proj.weight", hs), self.lin(p + "mlp.up_proj.weight", hs)
            x = x + self.lin(p + "mlp.down_proj.weight", torch.nn.functional.silu(gate) * up)
        x = rms_norm(x, self.w["model.norm.weight"], self.eps)
        head = self.w.get("lm_head.weight", self.w["model.embed_tokens.weight"])
        return torch.nn.functional.linear(x, head), maps


def probe_ids(model, sequences, length, seed):
    """[BOS] S S with S drawn from every id but unk, BOS, EOS and pad (as CopyProbe does)."""
    cfg = model.cfg
    special = {0, cfg.get("bos_token_id"), cfg.get("pad_token_id")}
    eos = cfg.get("eos_token_id")
    special |= set(eos) if isinstance(eos, list) else {eos}
    allowed = torch.tensor([i for i in range(model.vocab) if i not in special])
    gen = torch.Generator().manual_seed(seed)
    s = allowed[torch.randint(len(allowed), (sequences, length), generator=gen)]
    bos = torch.full((sequences, 1), cfg.get("bos_token_id", 1))
    return torch.cat([bos, s, s], dim=1)


def measure(model, ids, length, g, profile=None):
    logits, maps = model.forward(ids, g)
    T = ids.shape[1]
    # Second-copy loss: tokens 2..length of the second S (its first token has nothing to copy from).
    targets = ids[:, 1:]
    losses = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, model.vocab), targets.reshape(-1),
                                               reduction="none").view(ids.shape[0], T - 1)
    second = losses[:, 1 + length: T - 1].mean().item()
    queries = torch.arange(1 + length + 1, T)            # second copy, from its 2nd token
    heads = []
    for layer, attn in enumerate(maps):
        prev = attn[:, :, queries, queries - 1].mean(dim=(0, 2))
        induction = attn[:, :, queries, queries - length + 1].mean(dim=(0, 2))
        for h in range(model.h):
            heads.append({"layer": layer, "head": h, "prev": round(prev[h].item(), 3),
                          "induction": round(induction[h].item(), 3)})
    result = {"scale": g, "second_copy_loss": round(second, 3), "heads": heads}
    if profile is not None:
        layer, h = profile
        result["profile"] = [round(maps[layer][:, h, queries, queries - back].mean().item(), 3) for back in range(9)]
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--scales", default="1,2,4,8,16")
    ap.add_argument("--sequences", type=int, default=16)
    ap.add_argument("--length", type=int, default=48)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", help="LAYER.HEAD: attention by distance 0..8 for this head")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    model = Llama(a.model)
    ids = probe_ids(model, a.sequences, a.length, a.seed)
    profile = tuple(int(v) for v in a.profile.split(".")) if a.profile else None
    results = [measure(model, ids, a.length, int(g), profile) for g in a.scales.split(",")]
    if a.json:
        print(json.dumps({"model": a.model, "results": results}))
        return
    print(f"{a.model} ({model.interpolation} g): {a.sequences} sequences [BOS] S S, |S| = {a.length}")
    print(f"{'g':>3} {'2nd copy':>9}  best previous-token heads (layer.head weight)   best induction heads")
    for r in results:
        top = lambda key: "  ".join(f"{x['layer']}.{x['head']} {x[key]:.2f}"
                                    for x in sorted(r["heads"], key=lambda x: -x[key])[:3])
        print(f"{r['scale']:>3} {r['second_copy_loss']:>9.2f}  {top('prev'):<44}  {top('induction')}")
    if profile:
        print(f"head {a.profile}: mean attention on the key d tokens back, d = 0..8")
        for r in results:
            print(f"{r['scale']:>3}  " + " ".join(f"{w:.2f}" for w in r["profile"]))


if __name__ == "__main__":
    main()
