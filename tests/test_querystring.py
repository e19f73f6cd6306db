"""A teacher's link -> Config: good links apply, bad links fall back to defaults with a reason."""
from initlab.core.config import Config
from initlab.serving.querystring import config_from_environment, config_from_query


def test_teacher_link_sets_small_gaussian_init_for_tanh():
    config, message = config_from_query("activation=tanh&init=gaussian&weight_std=0.01")
    assert message == ""
    assert (config.activation, config.init, config.weight_std) == ("tanh", "gaussian", 0.01)
    assert config.depth == Config().depth  # untouched fields keep their defaults


def test_leading_question_mark_and_voila_parameters_are_ignored():
    config, message = config_from_query("?theme=dark&template=lab&voila-foo=1&depth=7")
    assert message == ""
    assert config.depth == 7


def test_empty_query_gives_defaults_without_message():
    assert config_from_query("") == (Config(), "")


def test_bad_value_falls_back_to_defaults_and_names_field_and_allowed_values():
    config, message = config_from_query("activation=tanh&weight_std=lots")
    assert config == Config()  # nothing half-applied: activation stays the default too
    assert "weight_std" in message and "'lots'" in message and "number" in message


def test_bad_choice_lists_the_choices():
    config, message = config_from_query("activation=swish")
    assert config == Config()
    assert "activation" in message and "'tanh'" in message and "'relu'" in message


def test_unknown_field_is_reported_not_raised():
    config, message = config_from_query("learning_rate=0.1")
    assert config == Config()
    assert "learning_rate" in message


def test_out_of_range_number_names_the_range():
    _, message = config_from_query("depth=99")
    assert "depth" in message and "20" in message


def test_base_config_is_kept_for_fields_the_link_does_not_name():
    base = Config(depth=5)
    config, _ = config_from_query("lr=0.1", base=base)
    assert (config.depth, config.lr) == (5, 0.1)
    assert config_from_query("lr=-1", base=base)[0] == base


def test_environment_query_string_is_what_voila_sets():
    config, message = config_from_environment(environ={"QUERY_STRING": "norm=batch&lr=0.5"})
    assert (config.norm, config.lr, message) == ("batch", 0.5, "")


def test_no_query_string_outside_voila(monkeypatch):
    monkeypatch.delenv("QUERY_STRING", raising=False)
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    assert config_from_environment() == (Config(), "")


def test_a_repeated_key_is_reported_not_silently_last_wins():
    config, message = config_from_query("depth=3&activation=tanh&depth=20")
    assert config == Config()
    assert "'depth' is given 2 times ('3', '20'): give each setting once" in message


def test_a_long_link_value_is_cut_in_the_message():
    config, message = config_from_query("activation=" + "x" * 5000)
    assert config == Config()
    assert "(5,000 characters)" in message and len(message) < 300
