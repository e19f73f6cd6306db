"""Data sets, the stratified split and preprocessing (zero-centring, standardising, PCA, whitening)."""
import numpy as np
import pytest

from initlab.core.config import Config
from initlab.data.datasets import (PREPROCESSING, TOY_SETS, Preprocessor, class_counts, load_digits,
                               make_data, make_toy, stratified_split)

TOY_CLASSES = {"spiral": 5, "circles": 3, "moons": 2, "xor": 2, "blobs": 4}
DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]   # the UCI test set


def rng(seed=0):
    return np.random.default_rng(seed)


# ---- toy sets --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", TOY_SETS)
def test_toy_set_has_balanced_classes_in_shuffled_order(name):
    k = TOY_CLASSES[name]
    x, y = make_toy(name, 601, k, 0.1, rng())
    assert x.shape == (601, 2) and x.dtype == np.float64
    assert y.shape == (601,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=k)
    assert len(counts) == k and counts.max() - counts.min() <= 1
    assert len(np.unique(y[:30])) > 1                 # not sorted by class
    assert np.abs(x).max() < 1.6                      # roughly the [-1.5, 1.5] box


@pytest.mark.parametrize("name", TOY_SETS)
def test_same_seed_gives_the_same_toy_set(name):
    k = TOY_CLASSES[name]
    a, b, c = (make_toy(name, 200, k, 0.3, rng(s)) for s in (7, 7, 8))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.allclose(a[0], c[0])


def test_class_counts_differ_by_at_most_one():
    np.testing.assert_array_equal(class_counts(11, 4), [3, 3, 3, 2])


def test_two_class_sets_refuse_other_class_counts():
    for name in ("moons", "xor"):
        with pytest.raises(ValueError, match="2 classes"):
            make_toy(name, 100, 3, 0.1, rng())
    with pytest.raises(ValueError, match="dataset='digits' is not allowed: expected a toy set"):
        make_toy("digits", 100, 3, 0.1, rng())


def test_noise_free_circles_have_radius_growing_with_class():
    x, y = make_toy("circles", 500, 5, 0.0, rng())
    np.testing.assert_allclose(np.hypot(x[:, 0], x[:, 1]), (y + 1) / 5, atol=1e-12)


def test_noise_free_spiral_arms_are_evenly_spaced_in_angle():
    k = 4
    x, y = make_toy("spiral", 400, k, 0.0, rng())
    radius, angle = np.hypot(x[:, 0], x[:, 1]), np.arctan2(x[:, 1], x[:, 0])
    assert radius.min() == pytest.approx(0.05) and np.isclose(radius.max(), 1.0)
    keep = radius > 0                                                # every arm starts at 0
    y, radius, angle = y[keep], radius[keep], angle[keep]
    arm = np.round((angle - 4.0 * radius) * k / (2 * np.pi)) % k     # angle = 4 r + 2 pi c / k
    np.testing.assert_array_equal(arm, y)


def test_noise_free_moons_lie_on_two_unit_half_circles():
    x, y = make_toy("moons", 300, 2, 0.0, rng())
    upper, lower = x[y == 0] + [0.5, 0.25], x[y == 1] - [0.5, 0.25]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(*lower.T), 1.0, atol=1e-12)
    assert (upper[:, 1] >= -1e-12).all() and (lower[:, 1] <= 1e-12).all()


def test_noise_free_xor_is_labelled_by_quadrant():
    x, y = make_toy("xor", 400, 2, 0.0, rng())
    np.testing.assert_array_equal((x[:, 0] * x[:, 1] < 0).astype(int), y)


def test_noise_free_blobs_are_separated_by_nearest_centre():
    x, y = make_toy("blobs", 800, 8, 0.0, rng())
    centres = np.array([x[y == c].mean(axis=0) for c in range(8)])
    nearest = np.argmin(((x[:, None, :] - centres) ** 2).sum(-1), axis=1)
    np.testing.assert_array_equal(nearest, y)


def test_more_noise_blurs_xor_and_circles_into_each_other():
    def xor_acc(noise):
        x, y = make_toy("xor", 4000, 2, noise, rng())
        return np.mean((x[:, 0] * x[:, 1] < 0) == y)

    def ring_acc(noise):
        x, y = make_toy("circles", 4000, 2, noise, rng())
        return np.mean((np.hypot(x[:, 0], x[:, 1]) > 0.75) == y)

    assert xor_acc(0.1) == 1.0 and ring_acc(0.1) == 1.0
    assert 0.9 < xor_acc(0.5) < 0.96 and 0.6 < xor_acc(1.0) < 0.8    # Bayes ~0.73 at noise 1
    assert ring_acc(1.0) < 0.85


# ---- digits ----------------------------------------------------------------------------------
def test_shipped_digits_are_1797_images_of_ten_classes_in_unit_range():
    x, y = load_digits()
    assert x.shape == (1797, 64) and x.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), DIGIT_COUNTS)
    assert x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_array_equal(y[:10], np.arange(10))   # scikit-learn's order when not shuffled


def test_shipped_digits_look_like_digits():
    x, y = load_digits()
    zero, one = x[y == 0].mean(0).reshape(8, 8), x[y == 1].mean(0).reshape(8, 8)
    assert zero[3:5, 3:5].mean() < 0.1 < 0.6 < zero[3:5, 2].mean()   # a ring with a hole
    assert one[2:6, 3:5].mean() > 0.8                               # a stroke down the middle


def test_digit_class_filter_and_balanced_subsample():
    x, y = load_digits(n_classes=4)
    assert len(y) == sum(DIGIT_COUNTS[:4]) and set(y) == {0, 1, 2, 3}
    x, y = load_digits(n_classes=3, n_samples=90, rng=rng(1))
    np.testing.assert_array_equal(np.bincount(y), [30, 30, 30])
    x2, y2 = load_digits(n_classes=3, n_samples=90, rng=rng(1))
    np.testing.assert_array_equal(x, x2)
    assert len(load_digits(n_samples=20000, rng=rng())[1]) == 1797


# ---- split -----------------------------------------------------------------------------------
def test_split_is_stratified_disjoint_and_complete():
    y = np.repeat(np.arange(3), [50, 30, 20])
    train, val = stratified_split(y, 0.2, rng())
    assert len(val) == 20 and len(np.intersect1d(train, val)) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(100))
    np.testing.assert_array_equal(np.bincount(y[val]), [10, 6, 4])
    assert len(np.unique(y[train[:20]])) > 1                        # shuffled, not class by class


def test_split_keeps_every_class_on_both_sides_and_one_validation_example():
    y = np.repeat(np.arange(8), [30] + [2] * 7)
    train, val = stratified_split(y, 0.2, rng())
    assert set(y[train]) == set(y[val]) == set(range(8))
    _, val = stratified_split(np.repeat([0, 1], 10), 0.01, rng())
    assert len(val) == 1


# ---- preprocessing ---------------------------------------------------------------------------
def correlated_cloud(n=2000, seed=0):
    """A skewed, shifted 2-D Gaussian: the picture from the lecture's preprocessing slide."""
    z = rng(seed).normal(size=(n, 2))
    return z @ np.array([[3.0, 0.0], [2.0, 0.5]]) + [5.0, -2.0]


def train_cov(x):
    xc = x - x.mean(0)
    return xc.T @ xc / len(x)


def test_center_gives_zero_training_mean():
    x = correlated_cloud()
    out = Preprocessor("center").fit_transform(x)
    np.testing.assert_allclose(out.mean(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(0), x.std(0))


def test_standardize_gives_unit_std_and_leaves_constant_pixels_at_zero():
    x, _ = load_digits()
    prep = Preprocessor("standardize").fit(x)
    out = prep.transform(x)
    constant = x.std(0) == 0
    assert constant.sum() == 3 and np.isfinite(out).all()
    np.testing.assert_allclose(out[:, ~constant].std(0), 1.0, atol=1e-9)
    np.testing.assert_array_equal(out[:, constant], 0.0)


def test_pca_rotation_decorrelates_and_keeps_lengths():
    x = correlated_cloud()
    prep = Preprocessor("pca").fit(x)
    out = prep.transform(x)
    cov = train_cov(out)
    assert abs(cov[0, 1]) < 1e-9 and cov[0, 0] > cov[1, 1]
    np.testing.assert_allclose(np.diag(cov), prep.explained_variance_)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), np.linalg.norm(x - x.mean(0), axis=1))


def test_whitening_gives_identity_covariance():
    out = Preprocessor("whiten").fit_transform(correlated_cloud())
    # eps = 1e-5 of the largest eigenvalue shrinks the thin direction (130x less variance) by under 0.1%
    np.testing.assert_allclose(train_cov(out), np.eye(2), atol=1e-3)


def test_whitening_digits_stays_finite_and_unit_on_directions_with_variance():
    x, _ = load_digits()
    prep = Preprocessor("whiten").fit(x)
    out = prep.transform(x)
    cov = train_cov(out)
    real = prep.explained_variance_ > 1e-3 * prep.explained_variance_[0]
    assert np.isfinite(out).all() and real.sum() > 40
    np.testing.assert_allclose(np.diag(cov)[real], 1.0, atol=1e-2)
    np.testing.assert_allclose(cov - np.diag(np.diag(cov)), 0.0, atol=1e-9)
    assert np.abs(out[:, prep.explained_variance_ == 0]).max() < 1e-6   # empty directions not blown up


@pytest.mark.parametrize("kind", ["center", "standardize", "pca", "whiten"])
def test_validation_is_transformed_with_training_statistics(kind):
    train, val = correlated_cloud(seed=0), correlated_cloud(500, seed=1) + [3.0, 0.0]
    prep = Preprocessor(kind).fit(train)
    out = prep.transform(val)
    assert np.linalg.norm(out.mean(0)) > 0.5                  # val's own mean was NOT removed
    np.testing.assert_allclose(prep.mean_, train.mean(0))
    if kind == "standardize":
        np.testing.assert_allclose(out, (val - train.mean(0)) / train.std(0))


def test_preprocessor_refuses_unknown_kind_and_transform_before_fit():
    with pytest.raises(ValueError, match="whiten"):
        Preprocessor("normalize")
    with pytest.raises(RuntimeError):
        Preprocessor("center").transform(np.zeros((2, 2)))
    x = correlated_cloud(10)
    np.testing.assert_array_equal(Preprocessor("none").fit_transform(x), x)


# ---- make_data -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", PREPROCESSING)
def test_make_data_fits_preprocessing_on_the_training_part_only(kind):
    cfg = Config(dataset="spiral", n_samples=300, n_classes=3, preprocessing=kind, dtype="float32")
    d = make_data(cfg, rng(3))
    assert d.x_train.shape == (240, 2) and d.x_val.shape == (60, 2)
    assert d.x_train.dtype == d.x_val.dtype == np.float32 and d.raw_train.dtype == np.float64
    assert (d.input_dim, d.n_classes, d.name) == (2, 3, "spiral")
    np.testing.assert_array_equal(np.bincount(d.y_val), [20, 20, 20])
    np.testing.assert_allclose(d.preprocessor.mean_, d.raw_train.mean(0))
    np.testing.assert_allclose(d.x_val, d.preprocessor.transform(d.raw_val), rtol=1e-6, atol=1e-6)


def test_make_data_is_deterministic_for_a_seed():
    cfg = Config(dataset="moons", n_classes=2, n_samples=200, noise=0.2)
    a, b = make_data(cfg, rng(5)), make_data(cfg, rng(5))
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_val, b.y_val)


def test_make_data_digits_whitened():
    cfg = Config(dataset="digits", n_classes=10, n_samples=20000, preprocessing="whiten",
                 val_fraction=0.25)
    d = make_data(cfg, rng())
    assert d.input_dim == 64 and len(d.y_train) + len(d.y_val) == 1797
    assert set(d.y_val) == set(range(10)) and np.isfinite(d.x_val).all()
