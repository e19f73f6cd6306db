"""Your own data: uploaded CSVs explain every rejection; clicked points train like any data set."""
from __future__ import annotations

import numpy as np
import pytest

from initlab.core.config import Config
from initlab.data.datasets import Preprocessor
from initlab.core.run import Run
from initlab.data.userdata import (MAX_BYTES, Points, add_point, follow_config, make_user_data,
                                   parse_csv, points_from_data, points_from_rows, raw_from_input,
                                   remove_point)


def two_blobs_csv(n: int = 20, header: bool = True) -> str:
    rng = np.random.default_rng(0)
    lines = ["x1,x2,label"] if header else []
    for i in range(n):
        c = i % 2
        x = rng.normal(2 * c - 1, 0.3, 2)
        lines.append(f"{x[0]:.4f},{x[1]:.4f},{c}")
    return "\n".join(lines) + "\n"


def test_a_two_column_csv_with_header_becomes_points():
    points = parse_csv(two_blobs_csv())
    assert points.x.shape == (20, 2) and points.n_classes == 2
    assert np.bincount(points.y).tolist() == [10, 10]


def test_header_is_optional_and_bytes_with_a_bom_are_read():
    text = two_blobs_csv(header=False)
    assert len(parse_csv(text)) == 20
    assert len(parse_csv(("\ufeff" + text).encode("utf-8"))) == 20


def test_sixty_four_features_and_a_label_read_like_digits():
    rng = np.random.default_rng(1)
    rows = [",".join([*(f"{v:.0f}" for v in rng.integers(0, 17, 64)), str(i % 3)])
            for i in range(12)]
    points = parse_csv("\n".join(rows))
    assert points.x.shape == (12, 64) and points.n_classes == 3


@pytest.mark.parametrize("text, message", [
    ("x1,x2,label\n0.1,abc,1\n", "row 2, column 2 (x2): 'abc' is not a number"),
    ("0.1,0.2,0\n0.3,nan,1\n", "row 2, column 2 (x2): 'nan' is not a finite number"),
    ("0.1,0.2,0\n0.3,inf,1\n", "row 2, column 2 (x2): 'inf' is not a finite number"),
    ("0.1,0.2,0\n0.3,0.4\n", "row 2 has 2 values: expected 3"),
    ("0.1,0.2,0.5,0.7,1\n", "row 1 has 5 values: expected 3 (x1,x2,label) or 65"),
    ("a,b,c,d\n1,2,3,0\n", "header 1 has 4 values: expected 3"),
    ("x,y,label\n0.1,0.2,1.5\n", "row 2, column 3 (label): '1.5' is not a class label"),
    ("0.1,0.2,-1\n", "row 1, column 3 (label): '-1' is not a class label"),
    ("0.1,0.2,12\n", "row 1, column 3 (label): class 12 is more classes than allowed: "
                     "labels must be 0..9"),
    ("x1,x2,label\n", "there are no data rows"),
    ("", "there are no data rows"),
])
def test_every_bad_row_is_named_with_its_column_and_what_is_wrong(text, message):
    with pytest.raises(ValueError) as err:
        parse_csv(text)
    assert message in str(err.value)


def test_too_few_rows_one_class_or_a_lonely_class_are_refused():
    with pytest.raises(ValueError, match="there are 4 data rows: at least 10 are needed"):
        parse_csv(two_blobs_csv(4))
    one_class = "\n".join(f"{i / 10},{i / 5},0" for i in range(12))
    with pytest.raises(ValueError, match="every row has label 0: at least two classes"):
        parse_csv(one_class)
    lonely = two_blobs_csv(12) + "0.5,0.5,2\n"
    with pytest.raises(ValueError, match="class 2 has only 1 row: each class needs at least 2"):
        parse_csv(lonely)


def test_more_classes_than_a_caller_allows_is_refused():
    text = "\n".join(f"{i / 10},{i / 5},{i % 4}" for i in range(12))
    with pytest.raises(ValueError, match="class 3 is more classes than allowed: labels must "
                                         "be 0..2"):
        parse_csv(text, max_classes=3)


def test_a_file_too_large_or_not_text_is_refused_before_reading_rows():
    with pytest.raises(ValueError, match="the file is 2.0 MB: at most 2 MB is allowed"):
        parse_csv(b"0" * (MAX_BYTES + 1))
    with pytest.raises(ValueError, match="the file is not UTF-8 text: byte 0xff at position 3"):
        parse_csv(b"0.1\xff,0.2,0\n")


def test_json_rows_are_checked_the_same_way():
    with pytest.raises(ValueError, match=r"row 2, column 1 \(x1\): None is not a number"):
        points_from_rows([[0.1, 0.2, 0], [None, 0.2, 1]])
    with pytest.raises(ValueError, match="row 1 is not a list of values"):
        points_from_rows(["0.1,0.2,0"])


def test_own_points_train_like_a_data_set_with_a_seeded_split_and_train_only_statistics():
    points = parse_csv(two_blobs_csv(40))
    config = Config(preprocessing="standardize", val_fraction=0.25)
    data = make_user_data(points, config)
    assert len(data.y_train) == 30 and len(data.y_val) == 10
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0, atol=1e-12)
    assert abs(data.x_val.mean()) > 1e-6                  # fitted on training data only
    again = make_user_data(points, config)
    np.testing.assert_array_equal(data.y_train, again.y_train)   # same seed, same split
    run = Run(config, data=data)
    run.step(200)
    assert run.accuracy("val") == 1.0 and data.name == "custom"
    assert run.snapshot().plane is not None


def test_clicking_adds_and_shift_clicking_removes_the_nearest_point():
    points = parse_csv(two_blobs_csv(20))
    more = add_point(points, (0.0, 0.0), 1)
    assert len(more) == 21 and more.y[-1] == 1 and len(points) == 20      # pure: a new object
    fewer = remove_point(more, (0.01, -0.01))
    np.testing.assert_array_equal(fewer.x, points.x)
    assert remove_point(points, (50.0, 50.0), radius=0.5) is points      # nothing near: unchanged
    assert len(remove_point(Points.empty(), (0.0, 0.0))) == 0


@pytest.mark.parametrize("xy, label, message", [
    ((0.0,), 0, r"point=\[0.0\] is not allowed: expected 2 finite numbers"),
    ((0.0, float("nan")), 0, "expected 2 finite numbers"),
    ((0.0, 0.0), 10, "label=10 is not allowed: expected a whole number 0..9"),
    ((0.0, 0.0), 1.0, "label=1.0 is not allowed"),
])
def test_a_bad_click_is_refused_with_its_reason(xy, label, message):
    with pytest.raises(ValueError, match=message):
        add_point(Points.empty(), xy, label)


def test_points_from_a_built_in_data_set_start_the_clicking():
    run = Run(Config())
    points = points_from_data(run.data)
    assert len(points) == 600 and points.n_classes == 3
    assert points.rows()[0][-1] == int(points.y[0])


@pytest.mark.parametrize("kind", ["none", "center", "standardize", "pca", "whiten"])
def test_a_click_in_the_picture_maps_back_to_raw_coordinates(kind):
    raw = np.random.default_rng(2).normal([1.0, -2.0], [0.5, 3.0], (50, 2))
    prep = Preprocessor(kind).fit(raw)
    np.testing.assert_allclose(raw_from_input(prep, prep.transform(raw)), raw, atol=1e-9)


def test_own_points_stay_when_preprocessing_or_seed_change_and_go_for_a_built_in_set():
    points = parse_csv(two_blobs_csv(40))
    config = Config()
    run = Run(config, data=make_user_data(points, config))
    run.step(5)
    same, outcome = follow_config(run, points, config.replace(lr=0.1))
    assert same is run and outcome == "adjusted" and run.data.name == "custom"
    whitened, outcome = follow_config(run, points, config.replace(preprocessing="whiten"))
    assert outcome == "rebuilt" and whitened.data.name == "custom" and whitened.step_count == 0
    np.testing.assert_allclose(np.cov(whitened.data.x_train.T, bias=True), np.eye(2), atol=1e-3)
    reseeded, _ = follow_config(whitened, points, whitened.config.replace(seed=3))
    assert reseeded.data.name == "custom" and len(reseeded.data.y_train) == 32
    spiral, outcome = follow_config(reseeded, points, reseeded.config.replace(dataset="moons",
                                                                             n_classes=2))
    assert outcome == "rebuilt" and spiral.data.name == "moons"
