"""Gradient checks of whole networks and the hyperparameter-search helpers."""
import math

import numpy as np
import pytest

from initlab import Config
from initlab.core.checks import (best, coarse_to_fine, cross_validate, grid_search,
                                 gradient_check, random_search)

SMALL = dict(dataset="spiral", n_samples=60, depth=3, width=7, dtype="float64")


@pytest.mark.parametrize("fields", [
    dict(activation="tanh"),
    dict(activation="gelu", norm="batch"),
    dict(activation="elu", norm="layer"),
    dict(activation="tanh", residual=True),
    dict(activation="sigmoid", dropout=0.3),
    dict(activation="maxout", maxout_pieces=3, norm="batch"),
    dict(activation="tanh", l1=0.01, l2=0.05),
    dict(activation="leaky_relu", leaky_slope=0.1, norm="batch", residual=True, dropout=0.2,
         l2=0.01),
], ids=lambda f: "-".join(f"{k}={v}" for k, v in f.items()))
def test_full_network_gradients_match_centred_differences(fields):
    errors = gradient_check(Config(**SMALL, init="xavier_normal", **fields))
    assert len(errors) >= 8                       # every dense and norm parameter was checked
    assert max(errors.values()) < 1e-6, errors


def _lr_only(cfg: Config) -> float:
    """A score that depends sharply on the learning rate and hardly on L2 (the lecture's picture)."""
    return math.exp(-(math.log10(cfg.lr) + 2.3) ** 2 / 0.05) + 0.01 * math.log10(cfg.l2)


def test_random_search_beats_grid_search_with_the_same_budget_more_often_than_not():
    space = {"lr": (1e-4, 1e0), "l2": (1e-5, 1e-1)}
    grid_best = best(grid_search(Config(), space, 9, objective=_lr_only)).score
    wins = sum(best(random_search(Config(), space, 9, seed=s, objective=_lr_only)).score > grid_best
               for s in range(20))
    assert wins > 10


def test_random_search_beats_grid_search_on_real_training():
    base = Config(dataset="spiral", depth=1, width=32, optimizer="sgd", momentum=0.0)
    space = {"lr": (1e-3, 1e2), "l2": (1e-6, 1e-4)}
    steps = 150
    grid = best(grid_search(base, space, 9, steps=steps))
    wins = 0
    for s in range(5):
        rand = best(random_search(base, space, 9, steps=steps, seed=s))
        wins += rand.score >= grid.score
    assert wins >= 3
    # the grid tried only three learning rates; random search tried nine
    assert len({t.params["lr"] for t in grid_search(base, space, 9, objective=lambda c: 0.0)}) == 3


def test_grid_search_uses_at_most_the_budget_and_reports_progress():
    seen = []
    trials = grid_search(Config(), {"lr": (1e-3, 1e-1)}, 4, objective=lambda c: c.lr,
                         progress=lambda i, n, t: seen.append((i, n)))
    assert len(trials) == 4 and seen[-1] == (4, 4)
    assert best(trials).params["lr"] == pytest.approx(0.1)


def test_coarse_to_fine_narrows_around_the_best_point():
    rounds = coarse_to_fine(Config(), {"lr": (1e-5, 1e1), "l2": (1e-5, 1e-1)}, 12, rounds=3,
                            objective=_lr_only)
    first = [math.log10(t.params["lr"]) for t in rounds[0]]
    last = [math.log10(t.params["lr"]) for t in rounds[-1]]
    assert np.ptp(last) < 0.3 * np.ptp(first)
    assert best(rounds[-1]).score >= best(rounds[0]).score


def test_search_space_errors_name_the_problem():
    with pytest.raises(ValueError, match="unknown config field 'learning_rate'"):
        random_search(Config(), {"learning_rate": (1e-3, 1e-1)}, 3)
    with pytest.raises(ValueError, match=r"space\['lr'\]"):
        random_search(Config(), {"lr": (0.1, 0.01)}, 3)


def test_cross_validation_reports_mean_and_spread_over_folds():
    mean, std = cross_validate(Config(dataset="moons", n_classes=2, depth=1, width=16), k=4,
                               steps=150)
    assert 0.75 < mean <= 1.0 and 0 <= std < 0.2
