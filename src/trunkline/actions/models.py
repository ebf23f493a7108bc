"""The action model lives in the SDK (it runs actions too); re-exported for the server side."""

from trunkline.client._action_models import (
    RUNNER_INPUTS,
    Action,
    ActionFile,
    CursorPages,
    Hints,
    LinkPages,
    LocalSearch,
    NumberedPages,
    Pagination,
    Request,
)

__all__ = [
    "RUNNER_INPUTS",
    "Action",
    "ActionFile",
    "CursorPages",
    "Hints",
    "LinkPages",
    "LocalSearch",
    "NumberedPages",
    "Pagination",
    "Request",
]
