"""Rendering: Jinja2 templates (autoescaped) plus the security headers on every response."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from trunkline.connect.security import page_headers

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(
    template: str, status: int = 200, form_targets: tuple[str, ...] = (), **context: Any
) -> HTMLResponse:
    html = TEMPLATES.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=page_headers(form_targets))


def problem(
    status: int,
    title: str,
    message: str,
    root: str,
    hint: str | None = None,
    retry_url: str | None = None,
) -> HTMLResponse:
    return render(
        "problem.html",
        status,
        title=title,
        message=message,
        hint=hint,
        retry_url=retry_url,
        root=root,
    )
