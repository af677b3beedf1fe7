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


def name_key(name: object) -> int:
    """Return a stable 64-bit integer for a stream name.

    Args:
        name: The decision's name, e.g. ``"emigration"`` (or a ``flowsim.draws.Draw``).

    Returns:
        The first 8 bytes of the name's SHA-256 digest as an unsigned integer.
    """
    return int.from_bytes(hashlib.sha256(str(name).encode("utf-8")).digest()[:8], "little")


def stream(seed: int, name: object, *extra: int) -> np.random.Generator:
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


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MK = np.uint64(0xD6E8FEB86659FD93)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser applied in place to a uint64 array (wrapping arithmetic)."""
    z ^= z >> np.uint64(30)
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return z


def agent_uniform(
    seed: int, name: object, month: int, keys: np.ndarray, option: int = 0, dtype: type = np.float64
) -> np.ndarray:
    """Counter-based uniforms in [0, 1): one per agent key, for one decision in one month.

    The number an agent draws depends only on (seed, decision name, month, the agent's
    stable key, option), never on how many other agents exist or drew before it. Two
    scenarios run with the same seed therefore give each agent the same draws for the same
    decision (common random numbers at the agent level), so policy differences are not
    drowned in sampling noise.

    Args:
        seed: The run's seed.
        name: Decision name (e.g. ``"move"``).
        month: Absolute month index.
        keys: ``uint64`` stable agent keys.
        option: Extra counter (e.g. the destination index for choice noise); an array gives
            a ``[len(keys), len(option)]`` result, one column per option.
        dtype: ``np.float64`` (53 random bits) or ``np.float32`` (24 bits, faster).

    Returns:
        Uniforms of ``dtype``, same shape as ``keys``.
    """
    base = (int(seed) * 0x9E3779B1 + name_key(name) + int(month) * 0x632BE5AB) & 0xFFFFFFFFFFFFFFFF
    # keys are already well mixed (``agent_key``); one SplitMix64 round of key + salt,
    # with a salt itself mixed from (seed, name, month, option), decorrelates decisions
    if np.ndim(option):  # one column per option: keys[:, None] x option[None, :]
        opts = np.asarray(option, dtype=np.uint64) * np.uint64(0x85157AF5) + np.uint64(base)
        salt = _mix(opts.copy())[None, :]
        z = keys.astype(np.uint64)[:, None] + salt
    else:
        salt = _mix(
            np.array([(base + int(option) * 0x85157AF5) & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64)
        )[0]
        z = keys.astype(np.uint64, copy=True)
        z += salt
    _mix(z)
    if dtype == np.float32:
        return (z >> np.uint64(40)).astype(np.float32) * np.float32(1.0 / 16777216.0)
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def agent_key(*parts: np.ndarray | int) -> np.ndarray:
    """Combine integers (creation month, origin, batch index, source tag) into stable keys."""
    z = np.zeros(np.broadcast(*[np.asarray(p) for p in parts]).shape, dtype=np.uint64)
    for p in parts:
        z ^= np.asarray(p).astype(np.uint64)
        z += _GOLDEN
        _mix(z)
    return z
