"""The lab's update rules against the frameworks' documented algorithms, step for step.

The references below are written from the pseudo-code in PyTorch's docs (torch.optim.SGD,
Adagrad, RMSprop, Adam; no weight decay, maximize off) in NumPy, and from Keras's SGD for the
momentum form the lab keeps (CS231n's).  They run a few steps on a fixed quadratic
0.5 * sum(h * w^2) from fixed starts and must agree with the lab's rules to 1e-12.
"""
import numpy as np
import pytest

from initlab.nn.optim import RULES

CURVATURE = np.array([1.0, 100.0, 7.0])
STARTS = [np.array([-4.0, 0.3, 1.0]), np.array([2.5, -0.7, -0.2]), np.array([0.1, 1e-3, 3.0])]
STEPS = 25


def grad(w):
    return CURVATURE * w


def lab_path(rule, start, lrs, momentum):
    """The lab's rule from start, lrs[t - 1] at step t: points (len(lrs) + 1, dims)."""
    w, state, out = start.copy(), {}, [start.copy()]
    for t, lr in enumerate(lrs, 1):
        w = w + RULES[rule](grad(w), state, lr=lr, momentum=momentum, t=t)
        out.append(w.copy())
    return np.array(out)


# ---- PyTorch, from the docs' pseudo-code -----------------------------------------------------
def torch_sgd(start, lrs, momentum=0.0, dampening=0.0, nesterov=False):
    """torch.optim.SGD: b_1 = g_1 (no dampening on the first step), b_t = mu b + (1 - tau) g;
    nesterov: g <- g + mu b, else g <- b; theta -= lr g."""
    theta, b, out = start.copy(), None, [start.copy()]
    for lr in lrs:
        g = grad(theta)
        if momentum != 0:
            b = g.copy() if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        theta = theta - lr * g
        out.append(theta.copy())
    return np.array(out)


def torch_adagrad(start, lrs, eps=1e-10, lr_decay=0.0, initial_accumulator_value=0.0):
    """torch.optim.Adagrad: sum += g^2; theta -= lr' g / (sqrt(sum) + eps), lr' = lr / (1 +
    (t - 1) lr_decay).  Defaults: eps 1e-10, lr_decay 0, initial accumulator 0."""
    theta, total, out = start.copy(), np.full_like(start, initial_accumulator_value), [start.copy()]
    for t, lr in enumerate(lrs, 1):
        g = grad(theta)
        total = total + g * g
        theta = theta - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(total) + eps)
        out.append(theta.copy())
    return np.array(out)


def torch_rmsprop(start, lrs, alpha=0.99, eps=1e-8):
    """torch.optim.RMSprop (momentum 0, not centered): v = alpha v + (1 - alpha) g^2;
    theta -= lr g / (sqrt(v) + eps).  Defaults: alpha 0.99, eps 1e-8."""
    theta, v, out = start.copy(), np.zeros_like(start), [start.copy()]
    for lr in lrs:
        g = grad(theta)
        v = alpha * v + (1 - alpha) * g * g
        theta = theta - lr * g / (np.sqrt(v) + eps)
        out.append(theta.copy())
    return np.array(out)


def torch_adam(start, lrs, beta1=0.9, beta2=0.999, eps=1e-8):
    """torch.optim.Adam: m, v moving averages; m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t);
    theta -= lr m_hat / (sqrt(v_hat) + eps).  Defaults: betas (0.9, 0.999), eps 1e-8."""
    theta, m, v, out = start.copy(), np.zeros_like(start), np.zeros_like(start), [start.copy()]
    for t, lr in enumerate(lrs, 1):
        g = grad(theta)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(theta.copy())
    return np.array(out)


# ---- Keras's SGD (CS231n's form: the velocity carries the learning rate) -----------------------
def keras_sgd(start, lrs, momentum, nesterov=False):
    """keras.optimizers.SGD: v = mu v - lr g; nesterov: w += mu v - lr g, else w += v."""
    w, v, out = start.copy(), np.zeros_like(start), [start.copy()]
    for lr in lrs:
        g = grad(w)
        v = momentum * v - lr * g
        w = w + (momentum * v - lr * g if nesterov else v)
        out.append(w.copy())
    return np.array(out)


def agree(ours, theirs):
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


CONSTANT = [0.009] * STEPS


@pytest.mark.parametrize("start", STARTS)
def test_sgd_is_torch_sgd(start):
    agree(lab_path("sgd", start, CONSTANT, 0.9), torch_sgd(start, CONSTANT))


@pytest.mark.parametrize("mu", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("start", STARTS)
def test_momentum_is_torch_sgd_with_momentum_while_lr_is_constant(start, mu):
    # dampening 0 (PyTorch's default) and the buffer's first step b_1 = g_1
    agree(lab_path("momentum", start, CONSTANT, mu), torch_sgd(start, CONSTANT, momentum=mu))


@pytest.mark.parametrize("mu", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("start", STARTS)
def test_nesterov_is_torch_sgd_nesterov_while_lr_is_constant(start, mu):
    agree(lab_path("nesterov", start, CONSTANT, mu),
          torch_sgd(start, CONSTANT, momentum=mu, nesterov=True))


SCHEDULED = [0.009 * 0.5 ** (t // 5) for t in range(STEPS)]   # a step schedule: halves every 5


@pytest.mark.parametrize("rule,nesterov", [("momentum", False), ("nesterov", True)])
@pytest.mark.parametrize("start", STARTS)
def test_momentum_keeps_keras_form_when_lr_changes_and_so_differs_from_torch(start, rule,
                                                                             nesterov):
    """What the optimisers view says: the lab's velocity holds lr (Keras, CS231n); PyTorch's
    holds gradients and multiplies by today's lr, so after a change of lr the two part."""
    ours = lab_path(rule, start, SCHEDULED, 0.9)
    agree(ours, keras_sgd(start, SCHEDULED, 0.9, nesterov=nesterov))
    theirs = torch_sgd(start, SCHEDULED, momentum=0.9, nesterov=nesterov)
    agree(ours[:6], theirs[:6])                                  # lr still the first one
    assert np.max(np.abs(ours[6:] - theirs[6:])) > 1e-4          # parted after the first halving


@pytest.mark.parametrize("lrs", [CONSTANT, SCHEDULED])
@pytest.mark.parametrize("start", STARTS)
def test_adagrad_is_torch_adagrad_with_its_defaults(start, lrs):
    agree(lab_path("adagrad", start, lrs, 0.9), torch_adagrad(start, lrs))


@pytest.mark.parametrize("mu", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("start", STARTS)
def test_rmsprop_is_torch_rmsprop_with_alpha_the_momentum_knob(start, mu):
    agree(lab_path("rmsprop", start, SCHEDULED, mu), torch_rmsprop(start, SCHEDULED, alpha=mu))


@pytest.mark.parametrize("start", STARTS)
def test_rmsprop_at_momentum_0_is_torch_rmsprop_defaults(start):
    agree(lab_path("rmsprop", start, SCHEDULED, 0.0), torch_rmsprop(start, SCHEDULED))


@pytest.mark.parametrize("mu", [0.5, 0.9])
@pytest.mark.parametrize("start", STARTS)
def test_adam_is_torch_adam_with_beta1_the_momentum_knob(start, mu):
    agree(lab_path("adam", start, SCHEDULED, mu), torch_adam(start, SCHEDULED, beta1=mu))
