"""The agent-based model: ``FlowModel`` and its vectorized step phases."""

from flowsim.model.model import FlowModel

__all__ = ["FlowModel"]
