#!/usr/bin/python3
"""Plain-PyTorch reference of the Llama/Mistral decoder (HF LlamaForCausalLM / MistralForCausalLM semantics),
written from scratch in the nanoGPT / llama2.c style, and the test fixtures it produces.

Regenerate (from the repository root, Debian's PyTorch 1.13):
    /usr/bin/python3 tests/ModelCore.Tests/Fixtures/llama/make_llama_fixtures.py

Each variant becomes an HF-layout directory beside this script: config.json, model.safetensors (or shards plus
model.safetensors.index.json) and expected*.safetensors (ids I64 [B, T] + logits F32 [B, T, V]).
Everything is float32 and deterministic (torch.manual_seed per variant, one intra-op thread).

Before writing anything the script checks itself:
  * RoPE inv_freq / attention factor for every scaling type against the golden table of shared/reference/rope.md
    (1e-7 relative);
  * a token-by-token KV-cache decode loop reproduces the full-sequence logits (1e-5) for every expected file;
  * the fixtures discriminate: plausible implementation mistakes (interleaved RoPE pairing, tile instead of
    repeat_interleave for GQA, missing rope scaling or yarn attention factor, off-by-one sliding window, ...)
    move the logits by clearly more than float32 noise.

safetensors is written by hand: 8-byte little-endian header length, JSON header (metadata first, tensor names
sorted) padded with spaces to a multiple of 8, then the raw little-endian tensors back to back in sorted-name order.
"""
import json
import math
import os
import struct

import torch

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))

# ----------------------------------------------------------------------------------------------------------------
# RoPE inverse frequencies (shared/reference/rope.md). Computed in float64 with plain math, then cast to float32
# where the model uses them.


def rope_params(dim, base, scaling=None, max_pos=None, seq_len=None):
    """Returns (inv_freq as a list of floats, attention_factor)."""
    inv = [base ** (-(2 * j) / dim) for j in range(dim // 2)]
    if scaling is None:
        return inv, 1.0
    kind = scaling.get("rope_type", scaling.get("type"))
    factor = float(scaling.get("factor", 1.0))
    if kind == "default":
        return inv, 1.0
    if kind == "linear":
        return [f / factor for f in inv], 1.0
    if kind == "dynamic":
        seq_len = max(seq_len or 0, max_pos)  # original base until seq_len exceeds max_position_embeddings
        new_base = base * ((factor * seq_len / max_pos) - (factor - 1)) ** (dim / (dim - 2))
        return [new_base ** (-(2 * j) / dim) for j in range(dim // 2)], 1.0
    if kind == "yarn":
        orig = scaling.get("original_max_position_embeddings", max_pos)
        beta_fast = scaling.get("beta_fast", 32.0)
        beta_slow = scaling.get("beta_slow", 1.0)
        att = scaling.get("attention_factor")
        if att is None:
            att = 1.0 if factor <= 1 else 0.1 * math.log(factor) + 1.0

        def corr(rotations):
            return dim * math.log(orig / (rotations * 2 * math.pi)) / (2 * math.log(base))

        low = max(math.floor(corr(beta_fast)), 0)
        high = min(math.ceil(corr(beta_slow)), dim - 1)
        if low == high:
            high += 0.001
        out = []
        for j, f in enumerate(inv):
            ramp = min(max((j - low) / (high - low), 0.0), 1.0)
            out.append(f * (ramp / factor + (1 - ramp)))
        return out, att
    if kind == "llama3":
        lo, hi = float(scaling["low_freq_factor"]), float(scaling["high_freq_factor"])
        orig = float(scaling["original_max_position_embeddings"])
        out = []
        for f in inv:
            w = 2 * math.pi / f
            if w < orig / hi:
                out.append(f)
            elif w > orig / lo:
                out.append(f / factor)
            else:
                s = (orig / w - lo) / (hi - lo)
                out.append(f * ((1 - s) / factor + s))
        return out, 1.0
    raise ValueError(f"unknown rope type {kind}")


# Golden values copied from shared/reference/rope.md (head_dim 128, indices 0, 1, 16, 32, 40, 48, 63).
GOLDEN_INDICES = [0, 1, 16, 32, 40, 48, 63]
GOLDEN = [
    ("default, base 1e4", dict(dim=128, base=1e4, scaling=None), 1.0,
     [1.0, 8.659643234e-01, 1.0e-01, 1.0e-02, 3.162277660e-03, 1.0e-03, 1.154781985e-04]),
    ("linear f=8", dict(dim=128, base=1e4, scaling={"type": "linear", "factor": 8.0}), 1.0,
     [1.25e-01, 1.082455404e-01, 1.25e-02, 1.25e-03, 3.952847075e-04, 1.25e-04, 1.443477481e-05]),
    ("dynamic f=2, max_pos 4096, seq_len 16384",
     dict(dim=128, base=1e4, scaling={"rope_type": "dynamic", "factor": 2.0}, max_pos=4096, seq_len=16384), 1.0,
     [1.0, 8.396257426e-01, 6.100591234e-02, 3.721721340e-03, 9.192419088e-04, 2.270470058e-04, 1.649688550e-05]),
    ("yarn f=8, orig 4096",
     dict(dim=128, base=1e4, scaling={"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 4096}),
     1.207944154,
     [1.0, 8.659643234e-01, 1.0e-01, 5.961538462e-03, 1.033821543e-03, 1.25e-04, 1.443477481e-05]),
    ("yarn f=16, orig 4096",
     dict(dim=128, base=1e4, scaling={"rope_type": "yarn", "factor": 16.0, "original_max_position_embeddings": 4096}),
     1.277258872,
     [1.0, 8.659643234e-01, 1.0e-01, 5.673076923e-03, 8.817889629e-04, 6.25e-05, 7.217387404e-06]),
    ("llama3 base 5e5, f=8, low 1, high 4, orig 8192",
     dict(dim=128, base=5e5, scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                      "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}), 1.0,
     [1.0, 8.146172339e-01, 3.760603093e-02, 5.248461610e-04, 3.428102196e-05, 6.647869871e-06, 3.068925989e-07]),
]


def check_rope_golden():
    for name, kwargs, att_expected, golden in GOLDEN:
        inv, att = rope_params(**kwargs)
        assert abs(att - att_expected) <= 1e-7 * att_expected, f"{name}: attention factor {att} != {att_expected}"
        for j, g in zip(GOLDEN_INDICES, golden):
            assert abs(inv[j] - g) <= 1e-7 * g, f"{name}: inv_freq[{j}] = {inv[j]!r}, golden {g!r}"
    print(f"rope golden table: {len(GOLDEN)} cases agree to 1e-7 relative")


# ----------------------------------------------------------------------------------------------------------------
# The model, as plain functions over a dict of HF-named weights.


class Cfg:
    def __init__(self, d):
        self.d = d
        self.dim = d["hidden_size"]
        self.n_layers = d["num_hidden_layers"]
        self.n_heads = d["num_attention_heads"]
        self.n_kv = d["num_key_value_heads"]
        self.head_dim = d["head_dim"]
        self.hidden = d["intermediate_size"]
        self.vocab = d["vocab_size"]
        self.eps = d["rms_norm_eps"]
        self.theta = d["rope_theta"]
        self.scaling = d.get("rope_scaling")
        self.max_pos = d["max_position_embeddings"]
        self.tied = d["tie_word_embeddings"]
        self.window = d.get("sliding_window")


def rmsnorm(x, w, eps):
    x = x.float()
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rope_cos_sin(cfg, positions, opts):
    """positions: I64 [B, T] -> cos, sin [B, T, D] (float32, already multiplied by attention_factor)."""
    scaling = None if opts.get("no_scaling") else cfg.scaling
    seq_len = int(positions.max()) + 1
    inv, att = rope_params(cfg.head_dim, cfg.theta, scaling, cfg.max_pos, seq_len)
    if opts.get("no_attention_factor"):
        att = 1.0
    inv = torch.tensor(inv, dtype=torch.float64).float()
    freqs = positions.float()[..., None] * inv  # float32 outer product, as HF's float32 matmul
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos() * att, emb.sin() * att


def apply_rope(x, cos, sin, opts):
    """x: [B, heads, T, D]; cos/sin: [B, T, D]."""
    cos, sin = cos[:, None], sin[:, None]
    if opts.get("interleaved"):  # GPT-J / Meta pairing (2i, 2i+1): a deliberately wrong variant
        x2 = torch.stack((-x[..., 1::2], x[..., 0::2]), dim=-1).flatten(-2)
        h = x.shape[-1] // 2
        c = torch.stack((cos[..., :h], cos[..., :h]), dim=-1).flatten(-2)
        s = torch.stack((sin[..., :h], sin[..., :h]), dim=-1).flatten(-2)
        return x * c + x2 * s
    return x * cos + rotate_half(x) * sin


def expand_kv(t, n_rep, opts):
    """[B, Hkv, S, D] -> [B, H, S, D]; query head h reads kv head h // n_rep (repeat_interleave)."""
    if n_rep == 1:
        return t
    if opts.get("tile_kv"):  # deliberately wrong variant: h reads kv head h % Hkv
        return t.repeat(1, n_rep, 1, 1)
    return t.repeat_interleave(n_rep, dim=1)


def attn_mask(cfg, q_idx, k_idx, opts):
    """Boolean [Tq, Tk]: True where query (sequence index q_idx) may see key k_idx."""
    q, k = q_idx[:, None], k_idx[None, :]
    allowed = k <= q
    window = None if opts.get("no_window") else cfg.window
    if window is not None:
        window += opts.get("window_shift", 0)
        allowed = allowed & (k > q - window)
    return allowed


def attention(cfg, W, i, x, cos, sin, opts, cache=None, q_idx=None):
    B, T, _ = x.shape
    H, Hkv, D = cfg.n_heads, cfg.n_kv, cfg.head_dim
    p = f"model.layers.{i}.self_attn."
    q = (x @ W[p + "q_proj.weight"].T).view(B, T, H, D).transpose(1, 2)
    k = (x @ W[p + "k_proj.weight"].T).view(B, T, Hkv, D).transpose(1, 2)
    v = (x @ W[p + "v_proj.weight"].T).view(B, T, Hkv, D).transpose(1, 2)
    q, k = apply_rope(q, cos, sin, opts), apply_rope(k, cos, sin, opts)
    if cache is not None:  # keys are cached after RoPE (their own positions)
        if i in cache:
            k = torch.cat((cache[i][0], k), dim=2)
            v = torch.cat((cache[i][1], v), dim=2)
        cache[i] = (k, v)
    S = k.shape[2]
    if q_idx is None:
        q_idx = torch.arange(S - T, S)
    k, v = expand_kv(k, H // Hkv, opts), expand_kv(v, H // Hkv, opts)
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(D)
    scores = scores.masked_fill(~attn_mask(cfg, q_idx, torch.arange(S), opts), float("-inf"))
    y = torch.softmax(scores.float(), dim=-1) @ v
    y = y.transpose(1, 2).reshape(B, T, H * D)
    return y @ W[p + "o_proj.weight"].T


def mlp(W, i, x):
    p = f"model.layers.{i}.mlp."
    g = torch.nn.functional.silu(x @ W[p + "gate_proj.weight"].T)
    u = x @ W[p + "up_proj.weight"].T
    return (g * u) @ W[p + "down_proj.weight"].T


def forward(cfg, W, ids=None, embeds=None, positions=None, opts=None, cache=None):
    """Logits [B, T, V]. Either ids [B, T] or embeds [B, T, d]; positions default to 0..T-1 (after the cache)."""
    opts = opts or {}
    x = W["model.embed_tokens.weight"][ids] if embeds is None else embeds
    B, T, _ = x.shape
    past = 0 if cache is None or 0 not in cache else cache[0][0].shape[2]
    if positions is None:
        positions = torch.arange(past, past + T).expand(B, T)
    cos, sin = rope_cos_sin(cfg, positions, opts)
    for i in range(cfg.n_layers):
        p = f"model.layers.{i}."
        h = x + attention(cfg, W, i, rmsnorm(x, W[p + "input_layernorm.weight"], cfg.eps), cos, sin, opts, cache)
        x = h + mlp(W, i, rmsnorm(h, W[p + "post_attention_layernorm.weight"], cfg.eps))
    x = rmsnorm(x, W["model.norm.weight"], cfg.eps)
    head = W["model.embed_tokens.weight"] if (cfg.tied or opts.get("force_tied")) else W["lm_head.weight"]
    return x @ head.T


def decode_incrementally(cfg, W, ids=None, embeds=None, positions=None):
    """One token at a time through a KV cache; stacks the per-step logits."""
    cache, outs = {}, []
    T = (ids if ids is not None else embeds).shape[1]
    for t in range(T):
        pos = None if positions is None else positions[:, t:t + 1]
        if ids is not None:
            outs.append(forward(cfg, W, ids=ids[:, t:t + 1], positions=pos, cache=cache))
        else:
            outs.append(forward(cfg, W, embeds=embeds[:, t:t + 1], positions=pos, cache=cache))
    return torch.cat(outs, dim=1)


def init_weights(cfg):
    """randn·0.02 for matrices, 1 + 0.1·randn for norm weights; creation order fixed (HF module order)."""
    W = {}

    def mat(name, *shape):
        W[name] = torch.randn(*shape) * 0.02

    def norm(name):
        W[name] = 1.0 + 0.1 * torch.randn(cfg.dim)

    d, H, Hkv, D, I, V = cfg.dim, cfg.n_heads, cfg.n_kv, cfg.head_dim, cfg.hidden, cfg.vocab
    mat("model.embed_tokens.weight", V, d)
    for i in range(cfg.n_layers):
        p = f"model.layers.{i}."
        mat(p + "self_attn.q_proj.weight", H * D, d)
        mat(p + "self_attn.k_proj.weight", Hkv * D, d)
        mat(p + "self_attn.v_proj.weight", Hkv * D, d)
        mat(p + "self_attn.o_proj.weight", d, H * D)
        mat(p + "mlp.gate_proj.weight", I, d)
        mat(p + "mlp.up_proj.weight", I, d)
        mat(p + "mlp.down_proj.weight", d, I)
        norm(p + "input_layernorm.weight")
        norm(p + "post_attention_layernorm.weight")
    norm("model.norm.weight")
    if not cfg.tied:
        mat("lm_head.weight", V, d)
    return W


# ----------------------------------------------------------------------------------------------------------------
# safetensors / config writers

DTYPES = {torch.float32: ("F32", "<f4"), torch.int64: ("I64", "<i8")}


def write_safetensors(path, tensors, metadata=None):
    entries, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        code, np_dtype = DTYPES[t.dtype]
        raw = t.numpy().astype(np_dtype).tobytes()
        assert offset % t.element_size() == 0, f"{name} would be misaligned"
        entries[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    header = {"__metadata__": {"format": "pt", **(metadata or {})}}
    header.update(entries)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)
    return offset


def read_safetensors(path):
    """Tiny reader, used only to verify what was written."""
    import numpy as np
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        np_dtype = {"F32": "<f4", "I64": "<i8"}[e["dtype"]]
        b, end = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[b:end], dtype=np_dtype).copy()).reshape(e["shape"])
    return out, header.get("__metadata__", {})


def write_config(dirname, cfgd):
    os.makedirs(dirname, exist_ok=True)
    with open(os.path.join(dirname, "config.json"), "w") as f:
        json.dump(cfgd, f, indent=2, sort_keys=True)
        f.write("\n")


def make_config(model_type, **kw):
    c = {
        "model_type": model_type,
        "architectures": ["MistralForCausalLM" if model_type == "mistral" else "LlamaForCausalLM"],
        "hidden_act": "silu",
        "attention_bias": False,
        "mlp_bias": False,
        "rope_scaling": None,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "torch_dtype": "float32",
        "initializer_range": 0.02,
    }
    c.update(kw)
    return c


# ----------------------------------------------------------------------------------------------------------------
# Variants

B, T = 2, 12

VARIANTS = {
    "gqa_untied": (11, make_config(
        "llama", hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
        intermediate_size=96, vocab_size=101, rope_theta=10000.0, max_position_embeddings=64,
        tie_word_embeddings=False, rms_norm_eps=1e-5)),
    "mha_tied_llama3": (22, make_config(
        "llama", hidden_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4, head_dim=12,
        intermediate_size=80, vocab_size=89, tie_word_embeddings=True, rope_theta=500000.0,
        max_position_embeddings=128, rms_norm_eps=1e-6,
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 16})),
    "mistral_window": (33, make_config(
        "mistral", hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=1, head_dim=16,
        intermediate_size=96, vocab_size=97, sliding_window=5, rope_theta=10000.0, max_position_embeddings=64,
        tie_word_embeddings=False, rms_norm_eps=1e-5)),
    "yarn_linear": (44, make_config(
        "llama", hidden_size=32, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1, head_dim=16,
        intermediate_size=64, vocab_size=53, rope_theta=10000.0, max_position_embeddings=32,
        tie_word_embeddings=False, rms_norm_eps=1e-6,
        rope_scaling={"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 8})),
}
LINEAR_SCALING = {"type": "linear", "factor": 2.0}


def check_incremental(name, cfg, W, logits, **inputs):
    inc = decode_incrementally(cfg, W, **inputs)
    err = (inc - logits).abs().max().item()
    assert err < 1e-5, f"{name}: KV-cache decode differs from the full forward by {err}"
    return err


# With randn·0.02 weights the attention scores are small (|q·k|/sqrt(D) ~ 0.1), so RoPE mistakes move the logits
# (std ~0.15) by only ~1e-3; still ~1000× the float32 noise (~2e-7) that the KV-cache check sees. Tests comparing
# against these fixtures should therefore use an absolute tolerance of about 1e-5, not 1e-3.
MIN_MISTAKE = 2e-4


def check_discriminates(name, cfg, W, logits, ids, mistakes, positions=None, embeds=None):
    parts = []
    for label, opts in mistakes:
        wrong = forward(cfg, W, ids=None if embeds is not None else ids, embeds=embeds, positions=positions, opts=opts)
        diff = (wrong - logits).abs().max().item()
        parts.append(f"{label} {diff:.1e}")
        assert diff > MIN_MISTAKE, f"{name}: fixture does not detect '{label}' (max |dlogit| {diff})"
    print(f"  {name}: mistakes move logits by (max abs): " + ", ".join(parts))


def main():
    check_rope_golden()
    written = []

    def emit(path, tensors, meta=None):
        write_safetensors(path, tensors, meta)
        back, _ = read_safetensors(path)
        for k, v in tensors.items():
            assert torch.equal(back[k], v), f"{path}: {k} did not round-trip"
        written.append(path)

    for name, (seed, cfgd) in VARIANTS.items():
        torch.manual_seed(seed)
        cfg = Cfg(cfgd)
        W = init_weights(cfg)
        ids = torch.randint(0, cfg.vocab, (B, T), dtype=torch.int64)
        d = os.path.join(HERE, name)
        write_config(d, cfgd)
        written.append(os.path.join(d, "config.json"))
        emit(os.path.join(d, "model.safetensors"), W)

        with torch.no_grad():
            logits = forward(cfg, W, ids=ids)
            err = check_incremental(name, cfg, W, logits, ids=ids)
        print(f"{name}: logits std {logits.std().item():.3g}, KV-cache decode max err {err:.1e}")
        scaling_desc = json.dumps(cfg.scaling) if cfg.scaling else "none"
        emit(os.path.join(d, "expected.safetensors"), {"ids": ids, "logits": logits},
             {"source": "make_llama_fixtures.py", "variant": name, "rope_scaling": scaling_desc})

        mistakes = [("interleaved-rope", {"interleaved": True})]
        if cfg.n_kv > 1 and cfg.n_kv < cfg.n_heads:
            mistakes.append(("tile-kv", {"tile_kv": True}))
        if cfg.scaling:
            mistakes.append(("no-rope-scaling", {"no_scaling": True}))
        if cfg.scaling and cfg.scaling.get("rope_type") == "yarn":
            mistakes.append(("no-yarn-attention-factor", {"no_attention_factor": True}))
        if cfg.window:
            mistakes += [("no-window", {"no_window": True}), ("window+1", {"window_shift": 1}),
                         ("window-1", {"window_shift": -1})]
        if not cfg.tied:
            mistakes.append(("lm_head=embed", {"force_tied": True}))
        with torch.no_grad():
            check_discriminates(name, cfg, W, logits, ids, mistakes)

        if name == "gqa_untied":
            # Sharded copy: same weights split by layer.
            sd = os.path.join(HERE, "gqa_untied_sharded")
            write_config(sd, cfgd)
            written.append(os.path.join(sd, "config.json"))
            shard1 = {k: v for k, v in W.items() if k == "model.embed_tokens.weight" or k.startswith("model.layers.0.")}
            shard2 = {k: v for k, v in W.items() if k not in shard1}
            files = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
            weight_map, total = {}, 0
            for fname, shard in zip(files, (shard1, shard2)):
                total += sum(t.numel() * t.element_size() for t in shard.values())
                emit(os.path.join(sd, fname), shard)
                weight_map.update({k: fname for k in shard})
            with open(os.path.join(sd, "model.safetensors.index.json"), "w") as f:
                json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, f,
                          indent=2)
                f.write("\n")
            written.append(os.path.join(sd, "model.safetensors.index.json"))
            emit(os.path.join(sd, "expected.safetensors"), {"ids": ids, "logits": logits},
                 {"source": "make_llama_fixtures.py", "variant": "gqa_untied_sharded", "rope_scaling": "none"})

            # Input embeddings fed directly, with explicit non-contiguous positions (E²-LLM style offsets).
            torch.manual_seed(12)
            embeds = torch.randn(1, 6, cfg.dim) * 0.02
            positions = torch.tensor([[0, 1, 2, 3, 9, 10]], dtype=torch.int64)
            with torch.no_grad():
                el = forward(cfg, W, embeds=embeds, positions=positions)
                err = check_incremental("gqa_untied/embeds", cfg, W, el, embeds=embeds, positions=positions)
                contiguous = forward(cfg, W, embeds=embeds)
                gap = (contiguous - el).abs().max().item()
                assert gap > MIN_MISTAKE, f"positions 0..5 vs explicit positions barely differ ({gap})"
                check_discriminates("gqa_untied/embeds", cfg, W, el, None,
                                    [("interleaved-rope", {"interleaved": True}), ("tile-kv", {"tile_kv": True})],
                                    positions=positions, embeds=embeds)
            print(f"gqa_untied/embeds: KV-cache decode max err {err:.1e}; positions 0..5 instead would move logits "
                  f"by {gap:.1e}")
            emit(os.path.join(d, "expected_embeds.safetensors"), {"embeds": embeds, "positions": positions, "logits": el},
                 {"source": "make_llama_fixtures.py", "variant": name, "rope_scaling": "none",
                  "note": "embeds fed instead of token embeddings, explicit position_ids"})

        if name == "yarn_linear":
            lcfgd = dict(cfgd, rope_scaling=LINEAR_SCALING)
            lcfg = Cfg(lcfgd)
            with torch.no_grad():
                ll = forward(lcfg, W, ids=ids)
                err = check_incremental(name + "/linear", lcfg, W, ll, ids=ids)
                check_discriminates(name + "/linear", lcfg, W, ll, ids,
                                    [("no-rope-scaling", {"no_scaling": True}),
                                     ("interleaved-rope", {"interleaved": True})])
                yl = (ll - logits).abs().max().item()
            print(f"yarn_linear/linear: KV-cache decode max err {err:.1e}; yarn vs linear logits differ by {yl:.1e}")
            emit(os.path.join(d, "expected_linear.safetensors"), {"ids": ids, "logits": ll},
                 {"source": "make_llama_fixtures.py", "variant": name, "rope_scaling": json.dumps(LINEAR_SCALING),
                  "note": "same weights and ids as expected.safetensors; config rope_scaling replaced by this"})

    print("\nwrote:")
    for p in written:
        print(f"  {os.path.relpath(p, HERE):55s} {os.path.getsize(p):8d} bytes")


if __name__ == "__main__":
    main()
