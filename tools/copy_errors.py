#!/usr/bin/python3
"""Where a base fails to write a passage out again: the teacher-forced errors of `eval copy --text --greedy repeat`'s
layout, S <0x00> S (ICAE's [slots][AE] → text in tokens), sorted by why a copy head could miss.

For held-out windows S of the test split, the model reads S, the repeat marker, then S again, and at every token of the
second S its argmax is compared with the truth. Reported:
  first       accuracy on the copy's first token: nothing before it in the copy says where to start;
  ambiguous   accuracy where the token before the target occurs more than once in S (a head that matches one token
              back finds several places to continue from: "the", ",");
  unique      accuracy where that token occurs once in S;
  --greedy    median BLEU-4 of the copy written out greedily *given its first token* (S <0x00> S₀ → S₁..): what is
              left when the start is right, i.e. how far one wrong token derails the rest (no KV cache: minutes).
  --input-scale S multiplies the first S's input embeddings by S: ICAE's slots are final-norm hidden states, many times
              the embeddings' norm, and this asks whether the decoder still copies from inputs that large.
Plain PyTorch in float32 at scale 1 (tools/attention_heads.py's Llama). Windows: documents of the test split longer
than 2,000 characters, shuffled by Random(seed), one window of --length tokens at a random offset in each.

Usage: tools/copy_errors.py MODEL_DIR --text TEST.txt [--tokenizer FILE] [--length 128] [--sequences 32] [--seed 0]
                            [--bos] [--greedy] [--input-scale S] [--json]"""
import argparse, collections, json, math, os, random, sys

import sentencepiece
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attention_heads import Llama  # noqa: E402

MARKER_PIECE = "<0x00>"


def windows(text_file, tokenizer, length, count, seed):
    docs = [d for d in open(text_file, encoding="utf-8").read().split("<|doc|>") if len(d) > 2000]
    rng = random.Random(seed)
    rng.shuffle(docs)
    result = []
    for doc in docs:
        ids = tokenizer.encode(doc)
        if len(ids) <= length:
            continue
        start = rng.randrange(0, len(ids) - length)
        result.append(ids[start:start + length])
        if len(result) == count:
            return result
    raise SystemExit(f"{text_file}: only {len(result)} documents hold {length} tokens")


def bleu4(candidate, reference):
    """Sentence BLEU-4 over ids with add-one smoothing of the 2..4-gram precisions (src/ModelCore/Evaluation/Bleu.cs)."""
    if not candidate:
        return 0.0
    logs = []
    for n in range(1, 5):
        c = collections.Counter(tuple(candidate[i:i + n]) for i in range(len(candidate) - n + 1))
        r = collections.Counter(tuple(reference[i:i + n]) for i in range(len(reference) - n + 1))
        matched, total = sum(min(v, r[g]) for g, v in c.items()), max(1, len(candidate) - n + 1)
        smooth = 1 if n > 1 else 0
        if matched + smooth == 0:
            return 0.0
        logs.append(math.log((matched + smooth) / (total + smooth)))
    brevity = 1.0 if len(candidate) > len(reference) else math.exp(1 - len(reference) / len(candidate))
    return brevity * math.exp(sum(logs) / 4)


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--text", required=True)
    ap.add_argument("--tokenizer", help="default: MODEL/tokenizer.model")
    ap.add_argument("--length", type=int, default=128)
    ap.add_argument("--sequences", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bos", action="store_true", help="put BOS before S (eval copy's repeat layout has none)")
    ap.add_argument("--prefix", default="", help="text before S, after BOS if --bos (an ICAE adapter's decoder_prefix)")
    ap.add_argument("--greedy", action="store_true")
    ap.add_argument("--input-scale", type=float, default=1.0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    model = Llama(a.model)
    tokenizer = sentencepiece.SentencePieceProcessor(model_file=a.tokenizer or os.path.join(a.model, "tokenizer.model"))
    marker = tokenizer.piece_to_id(MARKER_PIECE)
    prefix = ([model.cfg.get("bos_token_id", 1)] if a.bos else []) + (tokenizer.encode(a.prefix) if a.prefix else [])
    seqs = windows(a.text, tokenizer, a.length, a.sequences, a.seed)

    counts = collections.Counter()
    start = len(prefix) + a.length + 1                        # the copy's first token

    def forward(ids):
        scale = torch.ones(ids.shape[1])
        scale[len(prefix):len(prefix) + a.length] = a.input_scale
        return model.forward(ids, 1, scale)[0]

    ids = torch.tensor([prefix + s + [marker] + s for s in seqs])
    predicted = forward(ids).argmax(-1)
    for row, s in enumerate(seqs):
        for j, truth in enumerate(s):
            right = predicted[row, start + j - 1].item() == truth
            kind = "first" if j == 0 else "ambiguous" if s.count(s[j - 1]) > 1 else "unique"
            counts[kind, right] += 1
    result = {"model": a.model, "length": a.length, "sequences": len(seqs), "bos": a.bos, "prefix": a.prefix, "input_scale": a.input_scale}
    for kind in ("first", "ambiguous", "unique"):
        n = counts[kind, True] + counts[kind, False]
        result[kind] = {"accuracy": counts[kind, True] / n, "share": n / (len(seqs) * a.length)}
    result["all"] = sum(v for (_, right), v in counts.items() if right) / (len(seqs) * a.length)

    if a.greedy:
        current = torch.tensor([prefix + s + [marker] + s[:1] for s in seqs])
        for _ in range(a.length - 1):
            current = torch.cat([current, forward(current)[:, -1].argmax(-1, keepdim=True)], 1)
        scores = sorted(bleu4(current[i, start + 1:].tolist(), s[1:]) for i, s in enumerate(seqs))
        middle = len(scores) // 2
        median = scores[middle] if len(scores) % 2 else (scores[middle - 1] + scores[middle]) / 2
        result["greedy_given_first_bleu"] = {"median": median, "mean": sum(scores) / len(scores)}

    if a.json:
        print(json.dumps(result))
        return
    for kind in ("first", "ambiguous", "unique"):
        print(f"{kind:>10}: accuracy {result[kind]['accuracy']:.3f} over {result[kind]['share']:.1%} of the copy")
    print(f"{'all':>10}: accuracy {result['all']:.3f}")
    if a.greedy:
        print(f"greedy BLEU given the first token: median {result['greedy_given_first_bleu']['median']:.3f}")


if __name__ == "__main__":
    main()
