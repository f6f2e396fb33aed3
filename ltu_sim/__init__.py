"""Deterministic simulator of Danish registers and DFDG deliveries with known ground truth.

Public API: ``simulate`` (writes a landing zone and a truth bundle), ``SCALES`` and
``SimulationConfig`` (every configured rate).
"""

from ltu_sim.config import SCALES, SimulationConfig
from ltu_sim.simulate import simulate

__all__ = ["SCALES", "SimulationConfig", "simulate"]
