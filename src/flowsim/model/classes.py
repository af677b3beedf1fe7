"""Journey classes: which routes a traveller may use, by nationality and travel documents.

Journey tables (``flowsim.model.paths.PathTables``) and destination utilities are kept per
class, ``TIERS * nationality + tier``, with three document tiers:

- ``NO_PASSPORT``: irregular routes only, a land crossing into one's own country, and the
  legal routes of a country admitting the nationality on an identity card
  (``id_card_entry`` policies, ``Effects.id_entry``);
- ``PASSPORT``: legal routes (flights, formal border posts) too, except into a country that
  requires a visa of the nationality;
- ``VISAS``: a passport and the visas legal entry requires (``Population.visa_holder``,
  ``Parameters.visa_share``): every legal route open to the nationality's travellers.

In every tier, an airlift's routes are open to the nationalities it carries and a charter
route to no one else (``airlift`` policies, ``Effects.flown``, ``WorldIndex.edge_charter``).
"""

from __future__ import annotations

import numpy as np

#: Document tiers of a nationality's travellers (the class is ``TIERS * nationality + tier``).
NO_PASSPORT, PASSPORT, VISAS = 0, 1, 2
TIERS = 3
#: How ``flowsim explain`` names each tier.
TIER_NAMES: tuple[str, ...] = ("without passport", "with passport", "with passport and visas")


def tier(documented: np.ndarray, visa_holder: np.ndarray) -> np.ndarray:
    """Document tier of each agent: a visa counts only with a passport."""
    return documented.astype(np.int64) + (documented & visa_holder)


def journey_class(
    nationality: np.ndarray, documented: np.ndarray, visa_holder: np.ndarray
) -> np.ndarray:
    """Journey class of each agent: ``TIERS * nationality + tier``."""
    return TIERS * nationality.astype(np.int64) + tier(documented, visa_holder)


def class_nationality(n_classes: int) -> np.ndarray:
    """Nationality of each journey class."""
    return np.arange(n_classes) // TIERS


def per_class(by_nationality: np.ndarray) -> np.ndarray:
    """Repeat a ``[nationality, ...]`` array for each document tier: ``[class, ...]``."""
    return np.repeat(by_nationality, TIERS, axis=0)
