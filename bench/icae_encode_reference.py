#!/usr/bin/env python3
"""Reference for `memplat bench encode` (and `bench all`): the ICAE encoder written as plain PyTorch eager code, the
way Hugging Face's LlamaModel (eager attention) plus a PEFT LoRA on the adapter's target projections computes it, on the same weights
(the model directory's model.safetensors and the adapter's safetensors, both in bf16 as the silo loads them), timed
under Debian's python3-torch (libtorch 1.13, the same as the C# engine) in the same run.

Usage:
  icae_encode_reference.py MODEL_DIR ADAPTER_DIR THREADS REPEATS BATCH [BATCH ...]
      times REPEATS encodes per batch size after one warm-up; prints one JSON line:
      {"results": [{"batch", "seconds": [...]}], "slots_first_span": [k * d floats], "threads"}
  icae_encode_reference.py --serve MODEL_DIR ADAPTER_DIR THREADS
      prints {"ready": true, "slots_first_span": [...], "threads"}, then answers each stdin line "encode B" with
      {"seconds": s} (one encode of B spans, timed here), so that the caller can alternate its runs with these.
Span b of a batch holds span_length tokens, token i = 3 + (b * 7919 + i * 104729) % (vocab - 3) (the C# side
builds the same spans). The first span's slots let the caller check that both sides compute the same encoder."""
import json, os, struct, sys, time

import torch

DTYPES = {"BF16": torch.bfloat16, "F16": torch.float16, "F32": torch.float32}


def read_safetensors(path):
    """name -> tensor (python3-safetensors is not a Debian package here; the format is an 8-byte header length,
    a JSON header, then raw little-endian data)."""
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = bytearray(data[8 + n + start:8 + n + end])
        out[name] = torch.frombuffer(raw, dtype=DTYPES[info["dtype"]]).reshape(info["shape"]).clone()
    return out


def find_adapter(adapter_dir):
    names = sorted(f for f in os.listdir(adapter_dir) if f.endswith(".safetensors"))
    if not names:
        raise SystemExit(f"no .safetensors in {adapter_dir}")
    return os.path.join(adapter_dir, names[0])


def rms_norm(x, w, eps):
    xf = x.float()
    xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return w * xf.to(x.dtype)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def module(projection):
    """Module path of a projection inside a layer, as PEFT names it."""
    return ("mlp." if projection in ("gate_proj", "up_proj", "down_proj") else "self_attn.") + projection


class Encoder:
    """Base Llama + LoRA (y = W x + (alpha / r) B (A x)) on the adapter's targets; memory tokens appended."""

    def __init__(self, model_dir, adapter_dir, dtype=torch.bfloat16):
        cfg = json.load(open(os.path.join(model_dir, "config.json")))
        icae = json.load(open(os.path.join(adapter_dir, "icae_config.json")))
        self.cfg, self.icae = cfg, icae
        self.d, self.layers = cfg["hidden_size"], cfg["num_hidden_layers"]
        self.h, self.hkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
        self.hd = cfg.get("head_dim") or self.d // self.h
        self.eps, self.vocab = cfg["rms_norm_eps"], cfg["vocab_size"]
        self.k, self.span = icae["memory_tokens"], icae["span_length"]
        self.scaling = icae["lora"]["alpha"] / icae["lora"]["rank"]
        self.targets = icae["lora"]["targets"]
        w = {n: t.to(dtype) for n, t in read_safetensors(os.path.join(model_dir, "model.safetensors")).items()}
        a = {n: t.to(dtype) for n, t in read_safetensors(find_adapter(adapter_dir)).items()}
        self.w, self.dtype = w, dtype
        self.memory = a["memory_token_embed.weight"][: self.k]                                   # [k, d]
        self.lora = {}
        for i in range(self.layers):
            for p in self.targets:
                key = f"icae.base_model.model.model.layers.{i}.{module(p)}.lora_%s.default.weight"
                self.lora[(i, p)] = (a[key % "A"], a[key % "B"])
        theta = cfg.get("rope_theta", 10000.0)
        self.inv_freq = 1.0 / (theta ** (torch.arange(0, self.hd, 2).float() / self.hd))

    def proj(self, i, name, x):
        y = torch.nn.functional.linear(x, self.w[f"model.layers.{i}.{module(name)}.weight"])
        if (i, name) in self.lora:
            a, b = self.lora[(i, name)]
            y = y + torch.nn.functional.linear(torch.nn.functional.linear(x, a), b) * self.scaling
        return y

    @torch.no_grad()
    def encode(self, ids):
        """ids [B, n] -> slots [B, k, d] float32: final-norm hidden states at the k memory positions."""
        B, n = ids.shape
        T = n + self.k
        x = torch.cat([torch.nn.functional.embedding(ids, self.w["model.embed_tokens.weight"]),
                       self.memory.unsqueeze(0).expand(B, -1, -1)], dim=1)                       # [B, T, d]
        pos = torch.arange(T).float()
        freqs = torch.outer(pos, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos().to(self.dtype), emb.sin().to(self.dtype)                            # [T, hd]
        causal = torch.full((T, T), torch.finfo(self.dtype).min, dtype=self.dtype).triu(1)    # as HF builds it
        rep = self.h // self.hkv
        for i in range(self.layers):
            p = f"model.layers.{i}."
            hs = rms_norm(x, self.w[p + "input_layernorm.weight"], self.eps)
            q = self.proj(i, "q_proj", hs).view(B, T, self.h, self.hd).transpose(1, 2)          # [B, H, T, hd]
            k = self.proj(i, "k_proj", hs).view(B, T, self.hkv, self.hd).transpose(1, 2)
            v = self.proj(i, "v_proj", hs).view(B, T, self.hkv, self.hd).transpose(1, 2)
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            k = k[:, :, None].expand(B, self.hkv, rep, T, self.hd).reshape(B, self.h, T, self.hd)
            v = v[:, :, None].expand(B, self.hkv, rep, T, self.hd).reshape(B, self.h, T, self.hd)
            scores = torch.matmul(q, k.transpose(2, 3)) * self.hd ** -0.5 + causal              # [B, H, T, T]
            attn = torch.softmax(scores, dim=-1, dtype=torch.float32).to(self.dtype)
            y = torch.matmul(attn, v).transpose(1, 2).reshape(B, T, self.h * self.hd)
            x = x + self.proj(i, "o_proj", y)
            hs = rms_norm(x, self.w[p + "post_attention_layernorm.weight"], self.eps)
            gate, up = self.proj(i, "gate_proj", hs), self.proj(i, "up_proj", hs)
            x = x + self.proj(i, "down_proj", torch.nn.functional.silu(gate) * up)
        x = rms_norm(x, self.w["model.norm.weight"], self.eps)
        return x[:, n:].float()


def spans(batch, length, vocab):
    return torch.tensor([[3 + (b * 7919 + i * 104729) % (vocab - 3) for i in range(length)] for b in range(batch)])


def timed_encode(enc, batch):
    ids = spans(batch, enc.span, enc.vocab)
    t0 = time.perf_counter()
    enc.encode(ids).numpy()                          # .numpy() as the C# side copies the slots out
    return time.perf_counter() - t0


def first_span(enc):
    return enc.encode(spans(1, enc.span, enc.vocab))[0].flatten().tolist()


def serve(model_dir, adapter_dir, threads):
    torch.set_num_threads(threads)
    enc = Encoder(model_dir, adapter_dir)
    print(json.dumps({"ready": True, "slots_first_span": first_span(enc), "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        if words[0] != "encode" or len(words) != 2:
            raise SystemExit(f"unknown command: {line.strip()}")
        print(json.dumps({"seconds": timed_encode(enc, int(words[1]))}), flush=True)


def main():
    if sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    model_dir, adapter_dir, threads, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    batches = [int(b) for b in sys.argv[5:]]
    torch.set_num_threads(threads)
    enc = Encoder(model_dir, adapter_dir)
    results = []
    for batch in batches:
        timed_encode(enc, batch)                     # warm-up
        results.append({"batch": batch, "seconds": [timed_encode(enc, batch) for _ in range(repeats)]})
    print(json.dumps({"results": results, "slots_first_span": first_span(enc), "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
