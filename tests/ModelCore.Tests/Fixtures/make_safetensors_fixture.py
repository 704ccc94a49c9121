#!/usr/bin/env python3
"""Writes reference.safetensors byte by byte from the published format, with the Python stdlib only.

Format (https://github.com/huggingface/safetensors#format):
  8 bytes: N, little-endian unsigned 64-bit, the header size
  N bytes: UTF-8 JSON object {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}}
           padded with spaces (0x20) so that 8 + N is a multiple of 8
  rest:    the byte buffer; data_offsets are relative to its start, little-endian, row-major

The values below are what SafeTensorsFixtureTests expects to read. Rerun: python3 make_safetensors_fixture.py
"""
import json
import math
import os
import struct


def bf16(values):
    # bfloat16 = the high 16 bits of the float32 (the values chosen are exact in bf16, no rounding needed)
    return b"".join(struct.pack("<I", struct.unpack("<I", struct.pack("<f", v))[0])[2:] for v in values)


# (name, dtype, shape, raw little-endian bytes), in buffer order: widest dtypes first keeps every tensor aligned
TENSORS = [
    ("scalar.f64", "F64", [], struct.pack("<d", math.pi)),
    ("ids.i64", "I64", [2], struct.pack("<2q", -1, 2 ** 40)),
    ("model.layers.0.self_attn.q_proj.weight", "F32", [2, 3], struct.pack("<6f", 0.5, -1.25, 3.0, 1e-3, -0.0, 65504.0)),
    ("counts.i32", "I32", [3], struct.pack("<3i", 7, -8, 2 ** 31 - 1)),
    ("empty.f32", "F32", [0, 4], b""),
    ("half.f16", "F16", [2], struct.pack("<2e", 1.0, -2.5)),
    ("brain.bf16", "BF16", [3], bf16([1.0, -2.0, 0.15625])),
    ("short.i16", "I16", [2], struct.pack("<2h", -32768, 12345)),
    ("bytes.i8", "I8", [2], struct.pack("<2b", -128, 127)),
    ("bytes.u8", "U8", [1, 2], struct.pack("<2B", 0, 255)),
    ("mask.bool", "BOOL", [3], struct.pack("<3?", True, False, True)),
]

SIZES = {"F64": 8, "I64": 8, "F32": 4, "I32": 4, "F16": 2, "BF16": 2, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def main():
    entries = {}
    buffer = b""
    for name, dtype, shape, raw in TENSORS:
        assert len(raw) == math.prod(shape) * SIZES[dtype], name
        entries[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(buffer), len(buffer) + len(raw)]}
        buffer += raw
    # As the reference writer lays it out: __metadata__ first, tensor names sorted, fields dtype/shape/data_offsets.
    header = {"__metadata__": {"format": "pt", "source": "make_safetensors_fixture.py"}}
    header.update(sorted(entries.items()))
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.safetensors")
    with open(out, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(buffer)
    print(f"wrote {out}: header {len(text)} bytes, data {len(buffer)} bytes")


if __name__ == "__main__":
    main()
