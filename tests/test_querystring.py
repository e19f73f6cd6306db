"""A teacher's link -> the served page's runs: good links apply, bad links fall back to the
defaults with a reason (the link itself is parsed by initlab.core.links)."""
from initlab.core.config import Config
from initlab.serving.querystring import runs_from_environment


def page(query: str, base: Config | None = None) -> tuple[Config, Config | None, str]:
    """What the served page reads for a link with this query string."""
    return runs_from_environment(base, environ={"QUERY_STRING": query})


def test_teacher_link_sets_small_gaussian_init_for_tanh():
    config, b, message = page("activation=tanh&init=gaussian&weight_std=0.01")
    assert message == "" and b is None
    assert (config.activation, config.init, config.weight_std) == ("tanh", "gaussian", 0.01)
    assert config.depth == Config().depth  # untouched fields keep their defaults


def test_leading_question_mark_and_voila_parameters_are_ignored():
    config, _, message = page("?theme=dark&template=lab&voila-foo=1&token=abc&depth=7")
    assert message == ""
    assert config.depth == 7


def test_empty_query_gives_defaults_without_message():
    assert page("") == (Config(), None, "")


def test_bad_value_falls_back_to_defaults_and_names_field_and_allowed_values():
    config, _, message = page("activation=tanh&weight_std=lots")
    assert config == Config()  # nothing half-applied: activation stays the default too
    assert "weight_std" in message and "'lots'" in message and "number" in message


def test_bad_choice_lists_the_choices():
    config, _, message = page("activation=swish")
    assert config == Config()
    assert "activation" in message and "'tanh'" in message and "'relu'" in message


def test_unknown_field_is_reported_not_raised():
    config, _, message = page("learning_rate=0.1")
    assert config == Config()
    assert "learning_rate" in message


def test_out_of_range_number_names_the_range():
    _, _, message = page("depth=99")
    assert "depth" in message and "20" in message


def test_base_config_is_kept_for_fields_the_link_does_not_name():
    base = Config(depth=5)
    config, _, _ = page("lr=0.1", base=base)
    assert (config.depth, config.lr) == (5, 0.1)
    assert page("lr=-1", base=base)[0] == base


def test_the_served_page_reads_run_b_from_its_link():
    a, b, message = page("?depth=3&b.init=xavier_normal&theme=dark")
    assert (a, b, message) == (Config(depth=3), Config(depth=3, init="xavier_normal"), "")
    a, b, message = page("b.depth=99")
    assert (a, b) == (Config(), None) and "'b.depth'" in message and "depth=99" in message


def test_no_query_string_outside_voila(monkeypatch):
    monkeypatch.delenv("QUERY_STRING", raising=False)
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.delenv("INITLAB_SERVED", raising=False)
    assert runs_from_environment() == (Config(), None, "")


def test_a_repeated_key_is_reported_not_silently_last_wins():
    config, _, message = page("depth=3&activation=tanh&depth=20")
    assert config == Config()
    assert "link key 'depth' appears twice: give each setting once" in message


def test_a_long_link_value_is_cut_in_the_message():
    config, _, message = page("activation=" + "x" * 5000)
    assert config == Config()
    assert "(5,000 characters)" in message and len(message) < 300
