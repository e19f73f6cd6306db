"""The lab's view travels in links and JSON (initlab.core.links), validated by name."""
import json

import pytest

from initlab.core import links
from initlab.core.config import Config, FieldError
from initlab.serving.querystring import session_from_environment


@pytest.mark.parametrize("view", links.VIEWS)
def test_a_view_round_trips_through_a_link_and_json(view):
    a, b = Config(depth=4), Config(depth=4, init="xavier_normal")
    query = links.to_query(a, b, view)
    assert ("view=" in query) == (view != "network")
    session = links.session_from_query(query)
    assert (session.a, session.b, session.view) == (a, b, view)
    back = links.from_json(links.to_json(a, b, view=view))
    assert (back.a, back.b, back.view) == (a, b, view)


def test_the_network_view_is_the_default_and_written_nowhere():
    assert links.to_query(Config()) == ""
    assert "view" not in json.loads(links.to_json(Config()))
    assert links.session_from_query("depth=4").view == "network"
    assert links.from_query("view=search&depth=4") == (Config(depth=4), None)


@pytest.mark.parametrize("bad", ["graphs", "", "SEARCH"])
def test_a_bad_view_names_the_key_and_the_allowed_views(bad):
    with pytest.raises(FieldError) as err:
        links.session_from_query(f"view={bad}")
    assert err.value.field == "view"
    for view in links.VIEWS:
        assert repr(view) in str(err.value)
    with pytest.raises(FieldError) as err:
        links.from_json(json.dumps({"a": {}, "view": bad}))
    assert err.value.field == "view"


def test_a_served_page_opens_the_links_view_and_a_bad_one_falls_back_with_a_message():
    session, message = session_from_environment(environ={"QUERY_STRING": "view=optimisers"})
    assert session.view == "optimisers" and message == ""
    session, message = session_from_environment(environ={"QUERY_STRING": "view=nope&depth=4"})
    assert session.view == "network" and session.a == Config()
    assert "view" in message and "'search'" in message
