"""One-off: write initlab/data/digits.npz from scikit-learn's copy of the UCI digits.

Not a runtime dependency: run it once in a throwaway environment, commit only the npz.

    python3 -m venv /tmp/digits-venv && /tmp/digits-venv/bin/pip install scikit-learn
    /tmp/digits-venv/bin/python tools/extract_digits.py

The npz holds `images` (1797, 8, 8) uint8 with pixel counts 0..16 and `labels` (1797,) uint8,
in scikit-learn's order, compressed (about 45 kB instead of a 920 kB float64 copy).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

OUT = Path(__file__).resolve().parents[1] / "initlab" / "core" / "digits.npz"


def main() -> None:
    digits = load_digits()
    images = digits.images
    # The counts are integers 0..16 stored as float64; check before narrowing to uint8.
    assert images.shape == (1797, 8, 8)
    assert np.array_equal(images, np.round(images)) and images.min() == 0 and images.max() == 16
    images = images.astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    np.savez_compressed(OUT, images=images, labels=labels)
    sha = hashlib.sha256(OUT.read_bytes()).hexdigest()
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, sha256 {sha})")
    print("images per class:", np.bincount(labels).tolist())


if __name__ == "__main__":
    main()
