"""A seeded mutator of valid audio files for the clone fuzz tests: bit flips, truncations, header field corruption,
spliced containers and embedded references to files or URLs. Same seed, same cases, on every machine."""

from __future__ import annotations

import random
import struct
from collections.abc import Iterator
from dataclasses import dataclass

# Values that break parsers: zero, one, sign boundaries, all ones.
INTERESTING_INTEGERS = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)
HEADER_BYTES = 512


@dataclass(frozen=True)
class Mutation:
    name: str
    content: bytes


def bit_flips(rng: random.Random, data: bytes, flips: int, *, header_only: bool) -> bytes:
    mutated = bytearray(data)
    limit = min(len(data), HEADER_BYTES) if header_only else len(data)
    for _ in range(flips):
        position = rng.randrange(limit)
        mutated[position] ^= 1 << rng.randrange(8)
    return bytes(mutated)


def truncation(rng: random.Random, data: bytes, *, in_header: bool) -> bytes:
    cut = rng.randrange(12, min(len(data), HEADER_BYTES)) if in_header else rng.randrange(len(data) // 8, len(data))
    return data[:cut]


def integer_field(rng: random.Random, data: bytes) -> bytes:
    """One 1-, 2- or 4-byte field in the header region overwritten with an interesting value, either endianness."""
    width = rng.choice((1, 2, 4))
    value = rng.choice(INTERESTING_INTEGERS) & ((1 << (8 * width)) - 1)
    order = rng.choice(("<", ">"))
    code = {1: "B", 2: "H", 4: "I"}[width]
    offset = rng.randrange(0, min(len(data), HEADER_BYTES) - width)
    return data[:offset] + struct.pack(order + code, value) + data[offset + width :]


def wav_fields(data: bytes) -> Iterator[Mutation]:
    """The WAV header's own fields set to nonsense: format, channels, rate, block align, bits, chunk sizes."""
    fmt = data.index(b"fmt ")
    chunk = data.index(b"data")
    fields = {
        "format tag 0x55": (fmt + 8, "<H", 0x55),
        "0 channels": (fmt + 10, "<H", 0),
        "65535 channels": (fmt + 10, "<H", 0xFFFF),
        "0 Hz": (fmt + 12, "<I", 0),
        "4 GHz": (fmt + 12, "<I", 0xFFFFFFFF),
        "block align 0": (fmt + 20, "<H", 0),
        "3 bits per sample": (fmt + 22, "<H", 3),
        "fmt chunk size 4 GiB": (fmt + 4, "<I", 0xFFFFFFFF),
        "data chunk size 4 GiB": (chunk + 4, "<I", 0xFFFFFFFF),
        "RIFF size 0": (4, "<I", 0),
    }
    for name, (offset, layout, value) in fields.items():
        packed = struct.pack(layout, value)
        yield Mutation(f"wav {name}", data[:offset] + packed + data[offset + len(packed) :])


def reference_lines(targets: list[str]) -> bytes:
    """Lines that would make a permissive demuxer open each target: concat directives, HLS entries, file URLs."""
    concat = b"ffconcat version 1.0\n" + b"".join(b"file '" + target.encode() + b"'\n" for target in targets)
    playlist = b"#EXTM3U\n" + b"".join(b"#EXTINF:4.0,\n" + target.encode() + b"\n" for target in targets)
    urls = b"".join(b"file://" + target.encode() + b"\n" for target in targets if target.startswith("/"))
    return concat + playlist + b"#EXT-X-ENDLIST\n" + urls


def mutations(samples: dict[str, bytes], references: bytes, seed: int, per_sample: int) -> list[Mutation]:
    """`per_sample` random mutations of each sample, its spliced variants (with `references` embedded in two of
    them), and (for WAV) each header field."""
    rng = random.Random(seed)
    cases: list[Mutation] = []
    names = sorted(samples)
    for name in names:
        data = samples[name]
        for index in range(per_sample):
            kind = rng.choice(("flip header", "flip anywhere", "truncate header", "truncate body", "field"))
            if kind == "flip header":
                content = bit_flips(rng, data, rng.randint(1, 16), header_only=True)
            elif kind == "flip anywhere":
                content = bit_flips(rng, data, rng.randint(1, 64), header_only=False)
            elif kind == "truncate header":
                content = truncation(rng, data, in_header=True)
            elif kind == "truncate body":
                content = truncation(rng, data, in_header=False)
            else:
                content = integer_field(rng, data)
            cases.append(Mutation(f"{name} {kind} #{index}", content))
        other = samples[rng.choice([candidate for candidate in names if candidate != name])]
        cases.append(Mutation(f"{name} head + other tail", data[: len(data) // 3] + other[len(other) // 3 :]))
        cases.append(Mutation(f"{name} twice", data + data))
        cases.append(Mutation(f"{name} + references", data + references * 4))
        cases.append(Mutation(f"{name} header + references", data[:64] + references * 4 + data[64:]))
    if "wav" in samples:
        cases.extend(wav_fields(samples["wav"]))
    return cases
