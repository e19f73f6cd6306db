"""The e2e machinery works: Voila serves a widget notebook and Chromium renders the widget."""
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

SLIDER = Path(__file__).parents[1] / "assets" / "slider.ipynb"


def test_voila_renders_an_intslider_in_chromium(voila_servers, page):
    page.goto(voila_servers(SLIDER))
    slider = page.wait_for_selector(".widget-slider", state="visible")
    assert "depth" in slider.inner_text()
    readout = page.locator(".widget-readout").first
    assert readout.inner_text().strip() == "3"  # the kernel's value reached the browser
