"""A Bloom filter on Redis bitmaps: a seen-set of fixed size for crawls too large for a Redis SET.

scrapy-redis keeps every request fingerprint in a Redis SET, which grows with the crawl: 88 bytes
per URL (MEMORY USAGE, Redis 7.0, 200k fingerprints), so 100M URLs take ~8.2 GiB. A Bloom filter
answers "seen?" from a fixed bit array instead, at the price of a small false-positive rate: a new
URL taken for one already seen is not fetched in this crawl (listings are fetched again every
crawl, so it is found again next time). It never says "new" for a URL already seen, so no page is
fetched twice.

Sizing, the standard formulas for `n` expected items and a false-positive rate `p`:

    bits    m = ceil(-n ln p / (ln 2)^2)        hashes  k = round(m / n * ln 2)

    n = 10M,  p = 0.1%:   17.1 MiB, k = 10        n = 100M, p = 0.1%:  171.4 MiB, k = 10
    n = 100M, p = 1%:    114.3 MiB, k = 7         n = 1G,   p = 0.1%:  1.67 GiB (4 shards)

Past `n` items the rate rises: (1 - e^(-k n' / m))^k for n' items (2n items at p = 0.1% give 5.7%),
so size it for the whole crawl.

Positions come from the request fingerprint by double hashing (Kirsch and Mitzenmacher):
g_i = h1 + i * h2 mod m for i < k, h1 and h2 two 64-bit halves of a BLAKE2b digest of it.
The bits are set (SETBIT) and read in a Lua script, so an add is atomic. A Redis string holds at most 2^32 bits (512 MiB), so a larger filter is split into
shards (`<key>:<i>`); an item's shard is picked from its digest and all its bits are in that shard.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_SHARD_BITS = 2**32  # Redis strings: 512 MiB


@dataclass(frozen=True, slots=True)
class BloomParameters:
    capacity: int  # items the filter is sized for
    error_rate: float  # false-positive rate at `capacity` items
    bits: int  # per shard
    hashes: int
    shards: int = 1

    @classmethod
    def for_capacity(
        cls, capacity: int, error_rate: float, max_shard_bits: int = MAX_SHARD_BITS
    ) -> BloomParameters:
        if capacity < 1:
            raise ValueError(f"Bloom filter capacity must be at least 1, got {capacity}")
        if not 0 < error_rate < 1:
            raise ValueError(f"Bloom filter error rate must be between 0 and 1, got {error_rate}")
        total = math.ceil(-capacity * math.log(error_rate) / math.log(2) ** 2)
        hashes = max(1, round(total / capacity * math.log(2)))
        shards = math.ceil(total / max_shard_bits)
        return cls(capacity, error_rate, math.ceil(total / shards), hashes, shards)

    @property
    def total_bits(self) -> int:
        return self.bits * self.shards

    @property
    def memory_bytes(self) -> int:
        return self.shards * math.ceil(self.bits / 8)

    def expected_error_rate(self, items: int) -> float:
        """The false-positive rate once `items` distinct items have been added."""
        return (1.0 - math.exp(-self.hashes * items / self.total_bits)) ** self.hashes


# KEYS[1]: a shard. ARGV: hashes k, "1" to set or "0" to test, the bit offsets (uint32 little-endian,
# k per item). Returns, per item, 1 if all its bits were already set.
_BITS_SCRIPT = """
local k = tonumber(ARGV[1])
local set = ARGV[2] == '1'
local blob = ARGV[3]
local result = {}
for item = 0, #blob / 4 / k - 1 do
  local all = 1
  for j = 0, k - 1 do
    local b1, b2, b3, b4 = string.byte(blob, (item * k + j) * 4 + 1, (item * k + j) * 4 + 4)
    local offset = b1 + b2 * 256 + b3 * 65536 + b4 * 16777216
    local old
    if set then old = redis.call('SETBIT', KEYS[1], offset, 1) else old = redis.call('GETBIT', KEYS[1], offset) end
    if old == 0 then all = 0 end
  end
  result[item + 1] = all
end
return result
"""


class RedisBloomFilter:
    """Add and test byte strings (request fingerprints) in a Bloom filter kept in Redis.

    One Lua script call per shard and batch sets (or reads) the bits of many items; Redis runs a
    script alone, so an add is atomic: of two workers adding the same URL at once, exactly one is
    told it is new.
    """

    def __init__(self, client: Any, key: str, parameters: BloomParameters) -> None:
        self.client = client
        self.key = key
        self.parameters = parameters
        self._script = client.register_script(_BITS_SCRIPT)

    def _shard_key(self, shard: int) -> str:
        return self.key if self.parameters.shards == 1 else f"{self.key}:{shard}"

    def _positions(self, items: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
        """(shard per item, k bit offsets per item) by double hashing a BLAKE2b digest of each item."""
        digests = b"".join(hashlib.blake2b(item, digest_size=24).digest() for item in items)
        words = np.frombuffer(digests, dtype="<u8").reshape(-1, 3)
        h1, h2 = words[:, 0], words[:, 1] | np.uint64(1)
        steps = np.arange(self.parameters.hashes, dtype=np.uint64)
        # uint64 arithmetic wraps around modulo 2^64, as double hashing intends.
        offsets = (h1[:, None] + steps[None, :] * h2[:, None]) % np.uint64(self.parameters.bits)
        return words[:, 2] % np.uint64(self.parameters.shards), offsets.astype("<u4")

    def _run(self, items: Sequence[bytes], set_bits: bool, batch: int) -> list[bool]:
        """Per item: were all its bits set before?"""
        found = [False] * len(items)
        k = str(self.parameters.hashes)
        for start in range(0, len(items), batch):
            shards, offsets = self._positions(items[start : start + batch])
            for shard in np.unique(shards):
                rows = np.flatnonzero(shards == shard)
                flags = self._script(
                    keys=[self._shard_key(int(shard))],
                    args=[k, "1" if set_bits else "0", offsets[rows].tobytes()],
                )
                for row, flag in zip(rows, flags, strict=True):
                    found[start + int(row)] = bool(flag)
        return found

    def add(self, item: bytes) -> bool:
        """Add `item`; True if it was new (some of its bits were still clear)."""
        return not self._run([item], True, 1)[0]

    def add_many(self, items: Sequence[bytes], batch: int = 2000) -> list[bool]:
        """`add` for each item in turn (True: new)."""
        return [not found for found in self._run(items, True, batch)]

    def contains_many(self, items: Sequence[bytes], batch: int = 2000) -> list[bool]:
        return self._run(items, False, batch)

    def memory_used(self) -> int:
        """Bytes Redis holds for the filter now (it allocates a shard up to its highest bit set)."""
        return sum(int(self.client.strlen(self._shard_key(s))) for s in range(self.parameters.shards))

    def clear(self) -> None:
        self.client.delete(*(self._shard_key(s) for s in range(self.parameters.shards)))
