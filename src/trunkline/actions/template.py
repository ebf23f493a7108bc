"""The action templates' filling lives with the runner in the SDK; re-exported here."""

from trunkline.client._template import dig, fill, fill_path, names, texts

__all__ = ["dig", "fill", "fill_path", "names", "texts"]
