"""The generic runner lives in the SDK (``trunkline.client``); re-exported for the server side."""

from trunkline.client._errors import ActionError
from trunkline.client._runner import ActionRunner, plan, provider_message

__all__ = ["ActionError", "ActionRunner", "plan", "provider_message"]
