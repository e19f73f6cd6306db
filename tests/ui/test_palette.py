"""Every student can tell the classes apart: the class colours under simulated colour-vision
deficiencies.

Simulation: Machado, Oliveira and Fernandes (2009), "A physiologically-based model for simulation
of color vision deficiency", severity 1.0 matrices, applied to linear RGB.  Distance: CIELAB
(D65) dE76.  dE 12 is a clearly visible difference between two small marks; the old tab10 colours
gave dE 4.6 between class 1 and 3 under protanopia.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from initlab.ui.panels.base import CLASS_COLORS

MACHADO = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "normal vision": np.eye(3),
}
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
D65 = np.array([0.95047, 1.0, 1.08883])


def linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def lab(rgb_linear: np.ndarray) -> np.ndarray:
    t = (rgb_linear @ SRGB_TO_XYZ.T) / D65
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def seen(colors: list[str], deficiency: str) -> np.ndarray:
    """CIELAB of each colour as seen with `deficiency` (the simulated colour clipped to sRGB)."""
    srgb = np.array([[int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)] for c in colors])
    return lab(np.clip(linear(srgb) @ MACHADO[deficiency].T, 0.0, 1.0))


def smallest_difference(colors: list[str], deficiency: str) -> float:
    points = seen(colors, deficiency)
    return min(float(np.linalg.norm(a - b)) for a, b in itertools.combinations(points, 2))


def test_the_simulation_reproduces_the_old_palettes_confusion():
    old = ["#1f77b4", "#ff7f0e", "#2ca02c"]            # tab10's blue, orange, green
    assert smallest_difference(old, "protanopia") == pytest.approx(4.6, abs=0.1)
    assert smallest_difference(old, "normal vision") > 50
    # tab10's red and green, far apart to most eyes, come close for a deuteranope
    assert smallest_difference(["#d62728", "#2ca02c"], "deuteranopia") < 12


@pytest.mark.parametrize("deficiency", list(MACHADO))
@pytest.mark.parametrize("n_classes", [2, 3, 5, 10])
def test_every_two_classes_differ_by_de_12_or_more(deficiency, n_classes):
    assert smallest_difference(CLASS_COLORS[:n_classes], deficiency) >= 12
