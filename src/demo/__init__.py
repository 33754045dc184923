"""Realistic synthetic Medemblik data, appended through the application service (`ledger demo`)."""

from __future__ import annotations

from demo.plan import DemoPlan, plan_demo
from demo.run import DemoSummary, run_demo

__all__ = ["DemoPlan", "DemoSummary", "plan_demo", "run_demo"]
