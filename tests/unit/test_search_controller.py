"""The search view's controller (initlab.core.search): one trial per step, the lecture's
random-versus-grid point, coarse to fine, and the cost guard."""
import math

import pytest

from initlab.core import checks
from initlab.core.config import Config, FieldError
from initlab.core.search import (SEARCH_MAX_SECONDS, Search, check_search_cost,
                                 distinct_values, search_seconds)
from initlab.lessons.demos import SEEDS

SPACE = {"lr": (1e-4, 1e-1), "l2": (1e-6, 1e-1)}


@pytest.mark.parametrize("seed", SEEDS)
def test_random_search_tries_as_many_learning_rates_as_trials_a_grid_only_the_root(seed):
    random = Search(Config(), SPACE, kind="random", trials=16, steps=1, seed=seed)
    grid = Search(Config(), SPACE, kind="grid", trials=16, steps=1)
    assert len(distinct_values(random.points, "lr")) == 16
    assert len(distinct_values(grid.points, "lr")) == 4
    assert len(grid.points) == 16


def test_stepping_the_search_gives_the_same_trials_as_random_search_at_once():
    search = Search(Config(), SPACE, kind="random", trials=4, steps=30, seed=3)
    while not search.done:
        search.step()
    whole = checks.random_search(Config(), SPACE, 4, steps=30, seed=3)
    assert [t.params for t in search.trials] == [t.params for t in whole]
    assert [t.score for t in search.trials] == [t.score for t in whole]
    assert search.best().score == max(t.score for t in whole)
    with pytest.raises(ValueError, match="done"):
        search.step()


def test_zoom_narrows_each_range_around_the_best_trial():
    search = Search(Config(), SPACE, kind="random", trials=3, steps=20, seed=0)
    with pytest.raises(ValueError, match="no trial"):
        search.zoomed()
    while not search.done:
        search.step()
    top = search.best().params
    for name, (lo, hi) in search.zoomed().items():
        old_lo, old_hi = SPACE[name]
        assert old_lo <= lo <= top[name] <= hi <= old_hi
        assert math.log10(hi / lo) <= 0.25 * math.log10(old_hi / old_lo) + 1e-9


def test_the_cost_guard_names_trials_steps_and_the_net():
    big = Config(dataset="digits", n_classes=10, depth=10, width=500)
    assert search_seconds(big, 20, 200) > SEARCH_MAX_SECONDS
    with pytest.raises(ValueError) as err:
        Search(big, SPACE, trials=20, steps=200)
    for word in ("trials=20", "steps=200", "depth=10", "width=500", "limit"):
        assert word in str(err.value)
    assert check_search_cost(Config(), 20, 200) < SEARCH_MAX_SECONDS


@pytest.mark.parametrize("field,kwargs", [("trials", dict(trials=0)), ("steps", dict(steps=-1)),
                                          ("kind", dict(kind="bayes")),
                                          ("trials", dict(trials=2.5))])
def test_bad_search_settings_name_their_field(field, kwargs):
    with pytest.raises(FieldError) as err:
        Search(Config(), SPACE, **kwargs)
    assert err.value.field == field


def test_a_range_end_config_refuses_is_refused_by_name():
    with pytest.raises(FieldError) as err:
        Search(Config(), {"lr": (1e-3, 1e3)})
    assert err.value.field == "lr"
