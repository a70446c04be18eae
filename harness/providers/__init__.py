"""Providers: the catalogue of known providers and models, and the price book."""

from __future__ import annotations

from harness.providers.catalogue import Catalogue, load_catalogue
from harness.providers.pricing import compute_cost

__all__ = ["Catalogue", "compute_cost", "load_catalogue"]
