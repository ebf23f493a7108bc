"""Action files are validated when loaded: strict keys, schemas, and wiring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from trunkline.actions import Action, Actions
from trunkline.actions.loader import load_file
from trunkline.actions.template import fill, fill_path, texts
from trunkline.errors import ConfigError

REQUIRED = {
    "quo.send_message", "quo.list_messages", "quo.list_conversations", "quo.list_calls",
    "quo.get_call", "quo.list_contacts", "quo.search_contacts", "quo.create_contact",
    "quo.update_contact", "quo.list_phone_numbers", "quo.list_users",
    "twilio.send_message", "twilio.list_messages", "twilio.get_message", "twilio.create_call",
    "twilio.list_calls", "twilio.get_call", "twilio.update_call", "twilio.list_incoming_numbers",
    "callrail.list_calls", "callrail.get_call", "callrail.update_call", "callrail.tag_call",
    "callrail.list_trackers", "callrail.list_companies", "callrail.list_tags",
    "callrail.list_text_conversations", "ringcentral.list_call_log", "ringcentral.send_sms",
}  # fmt: skip


def base(**changes: Any) -> dict[str, Any]:
    action: dict[str, Any] = {
        "name": "quo.get_thing",
        "title": "Get a thing",
        "description": "One thing.",
        "input": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
        "request": {"method": "GET", "path": "/v1/things/{id}"},
    }
    action.update(changes)
    return action


def test_the_catalogue_loads_and_covers_the_brief() -> None:
    actions = Actions.load()
    assert set(actions.by_name) >= REQUIRED
    for action in actions.by_name.values():
        assert action.description and action.input["additionalProperties"] is False
        if action.hints.costs_money:
            assert "idempotency_key" in action.input_schema()["properties"]
        if action.pages:
            assert {"limit", "cursor"} <= set(action.input_schema()["properties"])


def test_a_valid_action() -> None:
    action = Action.model_validate(base())
    assert action.app == "quo" and action.hints.read_only is False


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"colour": "red"}, "Extra inputs are not permitted"),
        ({"request": {"method": "GET", "path": "/v1/things/{thing}"}}, "not in the input"),
        (
            {"request": {"method": "GET", "path": "/v1/x", "query": {"q": "$nope"}}},
            "not in the input",
        ),
        ({"request": {"method": "GET", "path": "/v1/things"}}, "never sent"),
        ({"input": {"type": "array"}}, "type object"),
        ({"input": {"type": "object", "properties": {"limit": {}}}}, "runner's own"),
        ({"hints": {"read_only": True, "costs_money": True}}, "read_only"),
        ({"requests": {"a": {"method": "GET", "path": "/x/{id}"}}}, "exactly one"),
        ({"request": {"method": "GET", "path": "/v1/things/{id}", "retries": 3}}, "Extra inputs"),
        ({"name": "Quo.GetThing"}, "String should match pattern"),
    ],
)
def test_bad_actions_fail_at_load(change: dict[str, Any], why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        Action.model_validate(base(**change))


def test_file_name_must_match_app(tmp_path: Path) -> None:
    path = tmp_path / "twilio.yaml"
    path.write_text(yaml.safe_dump({"app": "quo", "actions": [base()]}))
    with pytest.raises(ConfigError, match="must match the file name"):
        load_file(path)
    other = tmp_path / "quo.yaml"
    other.write_text(yaml.safe_dump({"app": "quo", "actions": [base(name="twilio.get_thing")]}))
    with pytest.raises(ConfigError, match="does not belong"):
        load_file(other)


def test_extra_directories_cannot_redefine_actions(tmp_path: Path) -> None:
    (tmp_path / "quo.yaml").write_text(
        yaml.safe_dump({"app": "quo", "actions": [base(name="quo.send_message")]})
    )
    with pytest.raises(ConfigError, match="already defined"):
        Actions.load(tmp_path)


def test_templates_drop_absent_values() -> None:
    template = {
        "content": "$text",
        "to": ["$to"],
        "userId": "$user",
        "fields": {"phoneNumbers": [{"name": "primary", "value": "$phone"}], "company": "$co"},
        "literal": "$$5",
        "flag": True,
    }
    assert fill(template, {"text": "hi", "to": "+1"}) == {
        "content": "hi",
        "to": ["+1"],
        "literal": "$5",
        "flag": True,
    }
    assert fill(template, {"text": "hi", "phone": "+2"})["fields"] == {
        "phoneNumbers": [{"name": "primary", "value": "+2"}]
    }
    assert fill_path("/a/{x}/b", {"x": "a/b c"}) == "/a/a%2Fb%20c/b"
    assert fill_path("/account/~/x/{id}", {"id": "~"}) == "/account/~/x/~"


def test_texts_walks_lists() -> None:
    item = {"d": {"phones": [{"value": "+1"}, {"value": "+2"}], "name": "Ann"}}
    assert texts(item, "d.phones[].value") == ["+1", "+2"]
    assert texts(item, "d.name") == ["Ann"] and texts(item, "d.none") == []


def test_search_ranks_by_words() -> None:
    actions = Actions.load()
    found = [a.name for a in actions.search("send sms text", app="ringcentral")]
    assert found == ["ringcentral.send_sms"]
    assert actions.search("tag", app="callrail")[0].name in {
        "callrail.tag_call",
        "callrail.list_tags",
    }
    assert len(actions.search("")) == 20
