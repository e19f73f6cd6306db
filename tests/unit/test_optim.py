"""Update rules, schedules and clipping: each does what the lecture says it does."""
import math

import numpy as np
import pytest

from initlab.nn.optim import (RULES, SCHEDULES, clip_gradients, get_rule, global_norm,
                              learning_rate)


def _minimise(rule, curvature, lr, momentum=0.9, steps=100):
    """Loss 0.5 * sum(curvature * w^2) after `steps` updates from w = 1."""
    w = np.ones(len(curvature))
    state = {}
    for t in range(1, steps + 1):
        w += RULES[rule](curvature * w, state, lr=lr, momentum=momentum, t=t)
    return 0.5 * float(np.sum(curvature * w * w))


@pytest.mark.parametrize("rule,lr", [("sgd", 0.5), ("momentum", 0.1), ("nesterov", 0.1),
                                     ("adagrad", 0.5), ("rmsprop", 0.05), ("adam", 0.1)])
def test_every_optimiser_decreases_a_simple_quadratic(rule, lr):
    start = 0.5 * (1.0 + 0.25)
    assert _minimise(rule, np.array([1.0, 0.25]), lr) < 1e-3 * start


def test_momentum_beats_sgd_on_an_ill_conditioned_quadratic():
    steep_and_shallow = np.array([100.0, 1.0])
    # SGD must keep lr < 2 / 100 for the steep direction, so it crawls along the shallow one
    sgd_best = _minimise("sgd", steep_and_shallow, lr=0.019)
    assert _minimise("momentum", steep_and_shallow, lr=0.01) < 0.02 * sgd_best
    assert _minimise("nesterov", steep_and_shallow, lr=0.01) < 0.02 * sgd_best


def test_first_steps_of_each_rule():
    dw = np.array([2.0, -0.5])
    assert_step = lambda rule, expected, **kw: np.testing.assert_allclose(  # noqa: E731
        get_rule(rule)(dw, {}, lr=0.1, momentum=kw.get("mu", 0.9), t=1), expected, rtol=1e-6)
    assert_step("sgd", -0.1 * dw)
    assert_step("momentum", -0.1 * dw)
    assert_step("nesterov", -1.9 * 0.1 * dw)                      # (1 + mu) times the velocity
    assert_step("adagrad", -0.1 * np.sign(dw))                    # dw / sqrt(dw^2)
    assert_step("rmsprop", -0.1 * dw / np.sqrt(0.1 * dw * dw))    # decay 0.9 = momentum
    assert_step("rmsprop", -0.1 * dw / np.sqrt(0.01 * dw * dw), mu=0.0)   # decay falls back to 0.99
    assert_step("adam", -0.1 * np.sign(dw))                       # bias correction: full first step


def test_momentum_accumulates_velocity():
    state, dw = {}, np.array([1.0])
    steps = [RULES["momentum"](dw, state, lr=1.0, momentum=0.5, t=t)[0] for t in (1, 2, 3)]
    assert steps == pytest.approx([-1.0, -1.5, -1.75])


def test_adam_needs_a_step_number_from_one():
    with pytest.raises(ValueError, match="t=0"):
        RULES["adam"](np.ones(2), {}, lr=0.1, momentum=0.9, t=0)


def test_rules_keep_float32():
    dw = np.ones(3, np.float32)
    for name, rule in RULES.items():
        state = {}
        for t in (1, 2):
            # NumPy scalars (say, from a schedule computed in NumPy) must not upcast either
            delta = rule(dw, state, lr=np.float64(0.01), momentum=np.float64(0.9), t=t)
        assert delta.dtype == np.float32, name


def test_schedules_give_the_documented_values():
    lr = 0.1
    assert learning_rate(lr, 1234, "constant", 0.5, 100) == lr
    assert learning_rate(lr, 250, "step", 0.5, 100) == pytest.approx(0.1 * 0.25)
    assert learning_rate(lr, 99, "step", 0.5, 100) == pytest.approx(0.1)
    assert learning_rate(lr, 250, "exponential", 0.5, 100) == pytest.approx(0.1 * 0.5 ** 2.5)
    assert learning_rate(lr, 300, "inverse_time", 0.5, 100) == pytest.approx(0.1 / 4)
    assert learning_rate(lr, 0, "cosine", 0.5, 100) == pytest.approx(0.1)
    assert learning_rate(lr, 50, "cosine", 0.5, 100) == pytest.approx(0.05)
    assert learning_rate(lr, 99, "cosine", 0.5, 100) < 1e-4
    assert learning_rate(lr, 100, "cosine", 0.5, 100) == pytest.approx(0.1)   # warm restart
    assert learning_rate(lr, 175, "cosine", 0.5, 100) == pytest.approx(
        0.05 * (1 + math.cos(math.pi * 0.75)))


def test_clip_by_norm_scales_everything_by_the_same_factor():
    grads = [np.array([3.0]), np.array([[4.0]])]
    assert clip_gradients(grads, "norm", 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(grads[0], [0.6])
    np.testing.assert_allclose(grads[1], [[0.8]])


def test_clip_by_norm_leaves_small_gradients_alone_and_zero_turns_it_off():
    grads = [np.array([3.0, 4.0])]
    assert clip_gradients(grads, "norm", 10.0) == pytest.approx(5.0)
    assert clip_gradients(grads, "norm", 0.0) == pytest.approx(5.0)
    assert clip_gradients(grads, "value", 0.0) == pytest.approx(5.0)
    np.testing.assert_array_equal(grads[0], [3.0, 4.0])


def test_clip_by_value_clips_each_entry():
    grads = [np.array([-5.0, 0.5, 2.0]), np.array([[-0.1, 9.0]])]
    norm = clip_gradients(grads, "value", 1.0)
    assert norm == pytest.approx(math.sqrt(25 + 0.25 + 4 + 0.01 + 81))
    np.testing.assert_array_equal(grads[0], [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(grads[1], [[-0.1, 1.0]])


def test_clip_by_norm_survives_float32_overflow_of_the_squares():
    grads = [np.full(4, 1e30, np.float32)]                   # squares overflow float32, values don't
    norm = clip_gradients(grads, "norm", 1.0)
    assert norm == pytest.approx(2e30, rel=1e-6)
    np.testing.assert_allclose(grads[0], 0.5, rtol=1e-6)
    assert grads[0].dtype == np.float32


def test_unknown_names_raise_naming_the_field():
    with pytest.raises(ValueError, match="optimizer='lbfgs'.*'adam'"):
        get_rule("lbfgs")
    with pytest.raises(ValueError, match="lr_schedule='linear'.*'cosine'"):
        learning_rate(0.1, 0, "linear", 0.5, 10)
    with pytest.raises(ValueError, match="clip_mode='max'"):
        clip_gradients([np.ones(2)], "max", 1.0)


@pytest.mark.parametrize("name", list(RULES))
def test_every_rule_keeps_the_state_arrays_it_declares(name):
    """The budget prices a rule's state from Rule.state_arrays: it must be what the rule keeps."""
    dw, state = np.random.default_rng(0).standard_normal((4, 3)), {}
    for t in (1, 2):
        RULES[name](dw, state, lr=0.1, momentum=0.9, t=t)
    arrays = [v for v in state.values() if isinstance(v, np.ndarray) and v.shape == dw.shape]
    assert len(arrays) == RULES[name].state_arrays


@pytest.mark.parametrize("name", list(RULES))
def test_a_rule_reads_momentum_exactly_when_its_entry_says_so(name):
    dw = np.random.default_rng(1).standard_normal((4, 3))

    def two_steps(mu):
        state = {}
        return [RULES[name](dw * t, state, lr=0.1, momentum=mu, t=t) for t in (1, 2)][-1]
    same = np.allclose(two_steps(0.5), two_steps(0.9))
    assert same is ("momentum" not in RULES[name].knobs)


@pytest.mark.parametrize("name", list(RULES))
def test_an_adaptive_rule_steps_by_lr_whatever_the_gradient_scale(name):
    dw = np.random.default_rng(2).standard_normal((4, 3))
    small, big = (RULES[name](s * dw, {}, lr=0.1, momentum=0.5, t=1) for s in (1.0, 100.0))
    assert np.allclose(small, big, rtol=1e-5) is RULES[name].adaptive


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_a_schedule_reads_decay_and_decay_steps_exactly_when_its_entry_says_so(name):
    def rates(decay, steps):
        return [learning_rate(0.1, t, name, decay, steps) for t in range(0, 400, 7)]
    base = rates(0.5, 100)
    assert (rates(0.2, 100) != base) is ("lr_decay" in SCHEDULES[name].knobs)
    assert (rates(0.5, 30) != base) is ("decay_steps" in SCHEDULES[name].knobs)


@pytest.mark.parametrize("scale", [1.0, 1e-20, 1e20])
def test_the_one_norm_helper_is_exact_where_float32_squares_underflow_or_overflow(scale):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((30, 20)) * scale, rng.standard_normal(20) * scale]
    exact = math.sqrt(sum(float(np.sum(a.astype(np.float64) ** 2)) for a in arrays))
    assert global_norm(arrays) == pytest.approx(exact, rel=1e-12)
    single = [a.astype(np.float32) for a in arrays]      # 1e-20 ** 2 is 0 and 1e20 ** 2 inf in float32
    assert global_norm(single) == pytest.approx(exact, rel=1e-6)
    assert global_norm(single[:1]) == pytest.approx(np.linalg.norm(arrays[0]), rel=1e-6)
    assert math.isnan(global_norm([np.array([np.nan, 1.0], np.float32)]))
