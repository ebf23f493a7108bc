"""The sandbox's consent page: who signs in, what the app asks for, Authorize or Deny."""

from __future__ import annotations

from html import escape
from typing import Any

Doc = dict[str, Any]

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;background:#f2f5f9;color:#1b2430;margin:0}
main{max-width:30rem;margin:3rem auto;background:#fff;border-radius:12px;padding:2rem;
box-shadow:0 2px 12px rgba(20,40,80,.12)}
h1{font-size:1.35rem;margin:0 0 .25rem}.brand{color:#0a5cc2;font-weight:700;letter-spacing:.02em}
.note{color:#4a5563;font-size:.9rem}ul{padding-left:1.2rem}label{display:block;font-weight:600;
margin:1rem 0 .3rem}select{width:100%;padding:.55rem;font-size:1rem;border:1px solid #7b8794;
border-radius:6px}.actions{display:flex;gap:.75rem;margin-top:1.5rem}
button{flex:1;padding:.7rem;font-size:1rem;border-radius:6px;border:1px solid #0a5cc2;
cursor:pointer}
.approve{background:#0a5cc2;color:#fff}.deny{background:#fff;color:#0a5cc2}
button:focus-visible,select:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
"""


def consent_page(action: str, client: Doc, params: dict[str, str], extensions: list[Doc]) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in params.items()
    )
    options = "".join(
        f'<option value="{escape(e["id"])}">{escape(e["firstName"])} {escape(e["lastName"])} '
        f"(ext. {escape(e['extensionNumber'])})</option>"
        for e in extensions
    )
    scopes = params.get("scope") or " ".join(client["scopes"])
    items = "".join(f"<li>{escape(s)}</li>" for s in scopes.split())
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Authorize {escape(client["name"])} - RingCentral sandbox</title><style>{STYLE}</style>
</head><body><main>
<p class="brand">RingCentral <span class="note">(offline sandbox)</span></p>
<h1>Access request</h1>
<p><strong>{escape(client["name"])}</strong> would like to access your RingCentral account.</p>
<form method="post" action="{escape(action)}">{hidden}
<label for="extension">Sign in as</label>
<select id="extension" name="extension_id">{options}</select>
<p>It asks for these permissions:</p><ul>{items}</ul>
<div class="actions">
<button class="approve" type="submit" name="decision" value="approve">Authorize</button>
<button class="deny" type="submit" name="decision" value="deny">Deny</button>
</div></form>
<p class="note">This is trunkline's RingCentral sandbox: no real account is involved.</p>
</main></body></html>"""


def error_page(title: str, message: str) -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{escape(title)} - RingCentral sandbox</title><style>{STYLE}</style></head>
<body><main><p class="brand">RingCentral</p><h1>{escape(title)}</h1>
<p role="alert">{escape(message)}</p></main></body></html>"""
