"""Actions as data: provider operations a model can find, read and run through the gateway.

``Actions.load()`` reads ``catalogue/actions/<app>.yaml`` (validated strictly at load);
``ActionRunner(client).run(action, input)`` executes one through an ``AsyncClient``.
"""

from trunkline.actions.loader import Actions
from trunkline.actions.models import Action, Hints, Pagination, Request
from trunkline.actions.runner import ActionError, ActionRunner, provider_message

__all__ = [
    "Action",
    "ActionError",
    "ActionRunner",
    "Actions",
    "Hints",
    "Pagination",
    "Request",
    "provider_message",
]
