"""MS-OVBA compression (the VBA source-stream format, [MS-OVBA] 2.4.1), for the add-in build.

Excel-side build helper: ms-ovba 0.0.1's bundled compressor (ms_ovba_compression 1.0.1)
corrupts modules longer than a few hundred bytes (olevba decodes garbage after the first
long match), so :func:`compress` replaces it while the add-in is built. Chunks of 4096
bytes; a copy token's offset/length split depends on the position in the chunk; longest
match over the previous occurrences of each 3-byte prefix (newest first, bounded).
"""

from __future__ import annotations

CHUNK = 4096
MAX_CANDIDATES = 256


def _split(pos: int) -> tuple[int, int]:
    """(bit count of the offset, maximum match length) at ``pos`` bytes into a chunk."""
    bit_count = max((pos - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + 3


def _match(chunk: bytes, pos: int, heads: dict[bytes, list[int]]) -> tuple[int, int]:
    """(offset, length) of the longest earlier match at ``pos`` (length 0: none)."""
    key = chunk[pos:pos + 3]
    if len(key) < 3 or key not in heads:
        return 0, 0
    _, max_len = _split(pos)
    limit = min(max_len, len(chunk) - pos)
    best_len, best_off = 0, 0
    for cand in reversed(heads[key][-MAX_CANDIDATES:]):
        n = 0
        while n < limit and chunk[cand + n] == chunk[pos + n]:
            n += 1
        if n > best_len:
            best_len, best_off = n, pos - cand
            if n == limit:
                break
    return (best_off, best_len) if best_len >= 3 else (0, 0)


def _chunk(chunk: bytes) -> bytes:
    out = bytearray()
    heads: dict[bytes, list[int]] = {}
    pos = 0

    mark = [0]  # positions before mark[0] are indexed in heads

    def remember(upto: int) -> None:
        for p in range(mark[0], upto):
            heads.setdefault(chunk[p:p + 3], []).append(p)
        mark[0] = upto

    while pos < len(chunk):
        flag_at = len(out)
        out.append(0)
        for bit in range(8):
            if pos >= len(chunk):
                break
            offset, length = _match(chunk, pos, heads)
            if length:
                bit_count, _ = _split(pos)
                token = ((offset - 1) << (16 - bit_count)) | (length - 3)
                out += token.to_bytes(2, "little")
                out[flag_at] |= 1 << bit
                pos += length
            else:
                out.append(chunk[pos])
                pos += 1
            remember(pos)
    return bytes(out)


def compress(data: bytes) -> bytes:
    """A CompressedContainer of ``data`` (signature byte 0x01, then compressed chunks)."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        body = _chunk(data[start:start + CHUNK])
        if len(body) > CHUNK:  # pragma: no cover - text never grows this much
            raise ValueError("incompressible VBA chunk; raw chunks are not supported")
        header = (len(body) + 2 - 3) | (0b011 << 12) | (1 << 15)
        out += header.to_bytes(2, "little") + body
    return bytes(out)
