"""Phase ``emigration``: new agents leave their origins at a push-driven rate."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from flowsim import draws
from flowsim.rng import stream

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel


def emigrate(model: FlowModel) -> None:
    """Create this month's emigrants at their origins and mark them ``model.forced``.

    Agents added with ``FlowModel.add_emigrants`` since the last step are forced too.

    The expected number of agents leaving origin ``o`` is
    ``push[o, year] / 12 * push_scale * shock multiplier / scale``; the realised number is
    a Poisson draw from the "emigration" stream of this month and origin.
    """
    w, p, fx = model.world_index, model.params, model.effects
    expected = (
        w.emigrants_per_month(model.month) * p.push_scale * fx.push_mult[w.origins] / model.scale
    )
    # one stream per origin, so a change in one origin's rate leaves the others' draws alone
    counts = np.array(
        [
            stream(model.seed, draws.EMIGRATION, model.month, int(o)).poisson(max(float(e), 0.0))
            for o, e in zip(w.origins, expected, strict=True)
        ],
        dtype=np.int64,
    )
    nodes = np.repeat(w.origins, counts)
    rows = model.add_agents(nodes, source=draws.SOURCE_EMIGRATION)
    if len(rows):
        model.recorder.count("emigrants", nodes, nodes)
    model.forced = np.concatenate([model.pending_forced, rows])
    model.pending_forced = rows[:0]
