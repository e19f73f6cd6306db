"""Config: defaults, round trips, and clear errors that name the field."""
import json

import pytest

from initlab import Config
from initlab.core.config import FIELDS, LIVE_FIELDS, FieldError, validate_field
from initlab.core.links import from_json, from_query, to_json


def test_defaults_round_trip_through_dict_and_json():
    cfg = Config(activation="tanh", depth=10, width=500, weight_std=0.01, init="gaussian")
    assert Config.from_dict(cfg.to_dict()) == cfg
    assert from_json(to_json(cfg)).a == cfg
    assert json.loads(to_json(cfg))["a"]["activation"] == "tanh"


def test_replace_returns_a_new_validated_config():
    cfg = Config()
    new = cfg.replace(lr=0.5)
    assert new.lr == 0.5 and cfg.lr == 0.01
    assert cfg.changed_fields(new) == {"lr"}
    assert not cfg.needs_rebuild(new)
    assert cfg.needs_rebuild(cfg.replace(depth=5))


@pytest.mark.parametrize("changes, field, allowed", [
    ({"weight_std": -1.0}, "weight_std", "[0.0, 100.0]"),
    ({"activation": "softplus"}, "activation", "'relu'"),
    ({"dropout": 1.0}, "dropout", "[0.0, 1.0)"),
    ({"dropout": -0.1}, "dropout", "[0.0, 1.0)"),
    ({"depth": 0}, "depth", "an integer in [1, 20]"),
    ({"depth": 2.5}, "depth", "an integer"),
    ({"lr": 0.0}, "lr", "(0.0, 100.0]"),
    ({"lr": float("nan")}, "lr", "a number"),
    ({"residual": "yes"}, "residual", "true or false"),
    ({"norm": "group"}, "norm", "'batch'"),
    ({"optimizer": "lbfgs"}, "optimizer", "'adam'"),
])
def test_invalid_field_names_the_field_value_and_what_is_allowed(changes, field, allowed):
    for check in (lambda: Config(**changes), lambda: validate_field(field, changes[field])):
        with pytest.raises(FieldError) as err:
            check()
        assert err.value.field == field and allowed in err.value.allowed
        assert err.value.value is changes[field] or err.value.value == changes[field]
        text = str(err.value)
        assert text.startswith(f"{field}=")
        assert repr(changes[field]) in text
        assert allowed in text


def test_a_field_error_is_a_value_error():
    assert issubclass(FieldError, ValueError)
    assert validate_field("depth", 3.0) == 3 and validate_field("lr", 1) == 1.0


def test_wrong_type_from_json_is_a_clear_error():
    with pytest.raises(FieldError, match=r"depth='3' is not allowed: expected an integer"):
        from_json('{"depth": "3"}')
    with pytest.raises(ValueError, match="not valid"):
        from_json("{depth: 3")
    with pytest.raises(ValueError, match="JSON object"):
        Config.from_dict([1, 2])


def test_unknown_key_is_rejected_with_the_allowed_names():
    with pytest.raises(FieldError, match=r"unknown config field 'weight_sdt'.*weight_std") as err:
        Config.from_dict({"weight_sdt": 0.1})
    assert err.value.field == "weight_sdt"
    with pytest.raises(FieldError, match="unknown config field"):
        Config().replace(colour="red")


def test_class_count_must_fit_the_dataset():
    with pytest.raises(FieldError, match=r"n_classes=3 does not fit dataset='moons'") as err:
        Config(dataset="moons", n_classes=3)
    assert (err.value.field, err.value.value, err.value.allowed) == ("n_classes", 3, "2..2")
    assert Config(dataset="circles", n_classes=4).n_classes == 4


def test_query_string_sets_fields_with_their_types():
    cfg, _ = from_query("?activation=tanh&init=gaussian&weight_std=0.01&residual=true&depth=10")
    assert (cfg.activation, cfg.init, cfg.weight_std, cfg.residual, cfg.depth) == (
        "tanh", "gaussian", 0.01, True, 10)
    assert from_query("") == (Config(), None)
    with pytest.raises(FieldError, match=r"depth='ten' is not allowed"):
        from_query("depth=ten")


def test_every_field_has_group_kind_and_help_for_the_controls():
    for name, f in FIELDS.items():
        m = f.metadata
        assert m["group"] in ("data", "network", "training"), name
        assert m["kind"] in ("choice", "int", "float", "logfloat", "bool"), name
        assert len(m["help"]) > 10, name
    assert LIVE_FIELDS <= set(FIELDS)


def test_a_newly_registered_activation_is_selectable_at_once():
    """One class in one file: registering it makes Config, links and a Run accept it."""
    import numpy as np

    from initlab import Run
    from initlab.nn.activations import ACTIVATIONS, Activation
    from initlab.core.config import allowed
    from initlab.nn.registry import registered_name

    @registered_name(ACTIVATIONS)
    class Softsign(Activation):
        name = "softsign_for_test"
        hist_range, bounds = (-1.0, 1.0), (-1.0, 1.0)

        def forward(self, z):
            return z / (1 + np.abs(z)), z

        def backward(self, da, z):
            return da / (1 + np.abs(z)) ** 2

    try:
        assert Config(activation="softsign_for_test").activation == "softsign_for_test"
        assert "'softsign_for_test'" in allowed("activation")
        assert FIELDS["activation"].metadata["choices"].names()[-1] == "softsign_for_test"
        assert from_query("activation=softsign_for_test")[0].activation == "softsign_for_test"
        run = Run(Config(activation="softsign_for_test", depth=2, width=8))
        run.step(3)
        assert run.status == "ok" and 0 < run.snapshot().layers[0].act_std < 1
    finally:
        ACTIVATIONS.unregister("softsign_for_test")
    with pytest.raises(ValueError, match="activation='softsign_for_test' is not allowed"):
        Config(activation="softsign_for_test")


def test_every_choice_comes_from_its_registry_in_the_documented_order():
    from initlab.nn.activations import ACTIVATIONS
    from initlab.data.datasets import DATASETS, PREPROCESSING
    from initlab.nn.init import SCHEMES
    from initlab.nn.optim import RULES, SCHEDULES
    expected = {
        "dataset": (DATASETS, ("spiral", "circles", "moons", "xor", "blobs", "digits")),
        "preprocessing": (PREPROCESSING, ("none", "center", "standardize", "pca", "whiten")),
        "activation": (ACTIVATIONS, ("relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid",
                                     "maxout", "identity")),
        "init": (SCHEMES, ("zeros", "constant", "gaussian", "xavier_normal", "xavier_uniform",
                           "he_normal", "he_uniform", "lecun", "lecun_uniform", "orthogonal")),
        "optimizer": (RULES, ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")),
        "lr_schedule": (SCHEDULES, ("constant", "step", "exponential", "inverse_time", "cosine")),
    }
    for name, (registry, names) in expected.items():
        assert FIELDS[name].metadata["choices"] is registry
        assert tuple(registry) == names


def test_one_helper_writes_every_not_allowed_message():
    from initlab.data.datasets import Preprocessor
    from initlab.nn.optim import clip_gradients, learning_rate
    from initlab.nn.registry import not_allowed
    assert str(not_allowed("noise", 2, "a number in [0, 1]")) == \
        "noise=2 is not allowed: expected a number in [0, 1]"
    assert str(not_allowed("norm", "group", ("none", "batch"))) == \
        "norm='group' is not allowed: expected one of 'none', 'batch'"
    for call, field in ((lambda: Preprocessor("zca"), "preprocessing"),
                        (lambda: learning_rate(0.1, 3, "linear", 0.5, 10), "lr_schedule"),
                        (lambda: clip_gradients([], "max", 1.0), "clip_mode"),
                        (lambda: Config().replace(dtype="float16"), "dtype")):
        with pytest.raises(FieldError, match=rf"^{field}='\w+' is not allowed: expected one of") as err:
            call()
        assert err.value.field == field
