"""trunkline's MCP server: over stdio (``trunkline mcp``) and Streamable HTTP (``/mcp``).

The tools reach trunkline through the SDK only, never its store (see ``tools``).
"""

from trunkline.mcp.server import build_server
from trunkline.mcp.tools import TOOLS

__all__ = ["TOOLS", "build_server"]
