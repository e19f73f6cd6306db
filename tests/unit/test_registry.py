"""Registries: the one list of names per concept, usable wherever a tuple of choices was."""
import pytest

from initlab.nn.registry import Registry, not_allowed, one_of


def test_a_registry_keeps_order_and_reads_like_a_tuple_of_names():
    shapes = Registry("shape")
    shapes.register("circle", 1)

    @shapes.register("square")
    def square():
        return 4

    assert list(shapes) == ["circle", "square"] and shapes[0] == "circle"
    assert shapes[1:] == ("square",) and len(shapes) == 2 and "square" in shapes
    assert shapes["square"] is square and shapes.get("circle") == 1
    assert 3 not in shapes and None not in shapes


def test_unknown_names_and_duplicates_are_refused_with_the_allowed_names():
    shapes = Registry("shape")
    shapes.register("circle", 1)
    with pytest.raises(ValueError,
                       match=r"^shape='oval' is not allowed: expected one of 'circle'$"):
        shapes["oval"]
    with pytest.raises(ValueError, match="already registered"):
        shapes.register("circle", 2)
    shapes.unregister("circle")
    assert len(shapes) == 0
    with pytest.raises(ValueError, match="shape='circle'"):
        shapes.unregister("circle")


def test_not_allowed_words_every_message_the_same_way():
    assert one_of(["a", 1]) == "one of 'a', 1"
    err = not_allowed("depth", 0, "an integer in [1, 20]")
    assert isinstance(err, ValueError)
    assert str(err) == "depth=0 is not allowed: expected an integer in [1, 20]"
