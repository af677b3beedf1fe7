"""Named random streams derived from one seed.

One seed enters a run; every random decision draws from its own stream, derived from the
run's ``SeedSequence`` and a stable hash of the decision's name (``hashlib``, never the
salted built-in ``hash``). Two scenarios run with the same seed therefore share every
stream (common random numbers) and differ only through their policies. There is no
global random state anywhere in flowsim.
"""

from __future__ import annotations

import hashlib

import numpy as np


def name_key(name: str) -> int:
    """Return a stable 64-bit integer for a stream name.

    Args:
        name: The decision's name, e.g. ``"emigration"``.

    Returns:
        The first 8 bytes of the name's SHA-256 digest as an unsigned integer.
    """
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


def stream(seed: int, name: str, *extra: int) -> np.random.Generator:
    """Return the generator for one named decision of one run.

    Args:
        seed: The run's seed.
        name: The decision's name; each name gives an independent stream.
        *extra: Further integers (e.g. a month index) to derive sub-streams.

    Returns:
        A PCG64 ``numpy.random.Generator``.
    """
    entropy = [int(seed) & 0xFFFFFFFFFFFFFFFF, name_key(name), *[int(e) for e in extra]]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


class Streams:
    """Lazily created named streams for one run.

    Each stream is created once on first use and then advances with the run, so adding a
    new stream never shifts the numbers another stream produces.
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._streams.get(name)
        if gen is None:
            gen = stream(self.seed, name)
            self._streams[name] = gen
        return gen


def replicate_seed(root_seed: int, replicate: int) -> int:
    """Seed of replicate ``k`` of an experiment: the same in every scenario (paired runs).

    Args:
        root_seed: The experiment's root seed.
        replicate: Replicate index, starting at 0.

    Returns:
        A non-negative 63-bit seed.
    """
    ss = np.random.SeedSequence([int(root_seed), int(replicate)])
    return int(ss.generate_state(2, dtype=np.uint32).view(np.uint64)[0] >> np.uint64(1))
