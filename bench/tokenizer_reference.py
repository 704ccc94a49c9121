#!/usr/bin/env python3
"""Reference for `memplat bench tokenizer`: SentencePiece's own encoder (python3-sentencepiece) on the same text file,
timed around encode alone, so our tokenizer is compared side by side in one run.
Usage: tokenizer_reference.py MODEL TEXT REPEATS. Prints JSON: {"seconds": median, "ids": count, "checksum": c}."""
import json, statistics, sys, time
import sentencepiece

model, path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
sp = sentencepiece.SentencePieceProcessor(model_file=model)
text = open(path, encoding="utf-8").read()
ids = sp.encode(text)  # warm-up, and the ids to compare
times = []
for _ in range(repeats):
    t0 = time.perf_counter(); sp.encode(text); times.append(time.perf_counter() - t0)
checksum = 0
for i in ids:  # the same rolling sum as TokenizerBench.Checksum
    checksum = (checksum * 31 + i) % (2 ** 61 - 1)
print(json.dumps({"seconds": statistics.median(times), "ids": len(ids), "checksum": checksum}))
