"""Two minutes of benchmarks/soak.py against a real `initlab serve` Voila: pages opened and
closed, killed, frozen, previewed, forged frames and one page on Play.  Selected with
``-m soak`` (or left out with ``-m "not soak"``); about 2.1 minutes."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from serving_client import in_own_thread

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.soak
def test_two_minutes_of_pages_coming_and_going_leave_the_server_flat(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    soak = importlib.import_module("soak")
    summary = in_own_thread(soak.soak, minutes=1.9, every=10, log=tmp_path / "voila.log")
    assert summary["failures"] == 0, summary["failure_kinds"]
    assert all(count >= 1 for count in summary["pages"].values()), summary["pages"]
    assert summary["play_ticks"] > 50                     # the Play page kept being served
    assert summary["unowned_max"] == 0                    # no kernel outlived its page's grace
    assert summary["server_pss_growth_mb"] <= 50, summary
