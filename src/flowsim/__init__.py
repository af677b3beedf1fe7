"""flowsim: agent-based simulation of onward (secondary) migration in the Americas.

Nothing heavy happens at import time; the model, engine and analysis layers are imported
from their own modules (``flowsim.model``, ``flowsim.engine``, ``flowsim.analysis``).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("flowsim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
