"""Everyday verbs over catalogued actions: ``sms send``, ``calls list|show``, ``contacts search``
and ``run ACTION``. What differs between providers (action names, input names, columns) is the
data in ``SMS``, ``CALLS`` and ``CONTACTS``, not branches."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.markup import escape

from trunkline.cli import actions
from trunkline.cli.output import (
    CANCELLED,
    USAGE,
    console,
    die,
    emit_json,
    errors,
    table,
    wants_json,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
WideFlag = Annotated[bool, typer.Option("--wide", help="Never wrap any column.")]
ConnectionOption = Annotated[
    str | None, typer.Option("--connection", help="Connection id (default: the oldest ACTIVE one).")
]


@dataclass(frozen=True)
class SmsApp:
    send: str
    text_input: str
    numbers: str  # the action listing the account's numbers, for the default --from
    number_field: str
    price: Decimal  # USD per segment to US numbers, from the provider's published pricing


SMS = {
    "quo": SmsApp("quo.send_message", "text", "quo.list_phone_numbers", "number", Decimal("0.01")),
    "twilio": SmsApp(
        "twilio.send_message",
        "body",
        "twilio.list_incoming_numbers",
        "phone_number",
        Decimal("0.0079"),
    ),
}


@dataclass(frozen=True)
class CallsApp:
    list: str
    show: str
    since_input: str
    since_is_date: bool
    columns: tuple[str, ...]


CALLS = {
    "quo": CallsApp(
        "quo.list_calls",
        "quo.get_call",
        "created_after",
        False,
        ("id", "direction", "status", "participants", "duration", "createdAt"),
    ),
    "twilio": CallsApp(
        "twilio.list_calls",
        "twilio.get_call",
        "start_time_after",
        True,
        ("sid", "direction", "status", "from", "to", "duration", "start_time"),
    ),
    "callrail": CallsApp(
        "callrail.list_calls",
        "callrail.get_call",
        "start_date",
        False,
        ("id", "direction", "answered", "customer_phone_number", "customer_name", "duration",
         "start_time"),
    ),
}  # fmt: skip
SHOW_INPUT = {"quo": "call_id", "twilio": "call_sid", "callrail": "call_id"}

sms = typer.Typer(no_args_is_help=True, help="Text messages.")
calls = typer.Typer(no_args_is_help=True, help="Calls (Quo, Twilio, CallRail).")
contacts = typer.Typer(no_args_is_help=True, help="Contacts (Quo).")


def _known(table_: dict[str, Any], app: str) -> Any:
    if app not in table_:
        die(f"--app {app!r}: choose one of {', '.join(table_)}", USAGE)
    return table_[app]


@sms.command("send")
def sms_send(
    to: Annotated[str, typer.Option("--to", help="The recipient, E.164 (+14155550123).")],
    text: Annotated[str, typer.Option("--text", help="The message.")],
    from_: Annotated[
        str | None, typer.Option("--from", help="Your number (default: the account's first).")
    ] = None,
    app: Annotated[str, typer.Option(help="quo or twilio.")] = "quo",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Send without asking.")] = False,
    price: Annotated[
        float | None,
        typer.Option(
            "--price-per-segment",
            envvar="TRUNKLINE_SMS_PRICE_PER_SEGMENT",
            help="USD per segment for the estimate (default: Quo $0.01, Twilio $0.0079, US).",
        ),
    ] = None,
    connection: ConnectionOption = None,
    json: JsonFlag = False,
) -> None:
    """Send a text: shows segments, encoding and the estimated cost, then asks "Send? [y/N]"."""
    # Quo's GSM-7/UCS-2 billing rules, as the Quo sandbox bills them (imported here: the module's
    # package loads the whole sandbox, which no other command needs)
    from trunkline.sandbox.quo.segments import segment

    spec: SmsApp = _known(SMS, app)
    parts = segment(text)
    per_segment = Decimal(str(price)) if price is not None else spec.price
    plural = "s" if parts.segments != 1 else ""
    errors.print(
        f"{parts.segments} segment{plural}, {parts.encoding} ({parts.units} units), "
        f"estimated cost ${per_segment * parts.segments:.4f}"
    )
    if not yes:
        if not sys.stdin.isatty():
            die("not sending without a yes: stdin is not a terminal, add --yes", USAGE)
        if not typer.confirm("Send?", default=False, err=True):
            errors.print("not sent")
            raise typer.Exit(CANCELLED)
    sender = from_ or _first_number(spec, connection)
    args = {"from": sender, "to": to, spec.text_input: text}
    result = actions.run(spec.send, args, connection)
    if wants_json(json):
        emit_json(result)
        return
    sent = result.get("data") or {}
    ident = sent.get("id") or sent.get("sid")
    console.print(f"sent {ident} from {sender} to {to} ({sent.get('status')})", markup=False)


def _first_number(spec: SmsApp, connection: str | None) -> str:
    listed = actions.run(spec.numbers, {}, connection)
    numbers = listed.get("items", listed.get("data")) or []
    if not numbers:
        die(f"the account has no numbers to send from ({spec.numbers})", USAGE)
    return str(numbers[0][spec.number_field])


@calls.command("list")
def calls_list(
    app: Annotated[str, typer.Option(help="quo, twilio or callrail.")] = "quo",
    since: Annotated[
        str | None, typer.Option(help="7d, 24h, 30m, 2w ago, or a date (2026-11-01).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-L", help="At most this many.")] = 20,
    connection: ConnectionOption = None,
    json: JsonFlag = False,
    wide: WideFlag = False,
) -> None:
    """Recent calls, newest first."""
    spec: CallsApp = _known(CALLS, app)
    args: dict[str, Any] = {"limit": limit}
    if since:
        args[spec.since_input] = _when(actions.since(since), spec.since_is_date)
    result = actions.run(spec.list, args, connection)
    if wants_json(json):
        emit_json(result)
        return
    rows = [_flat_participants(item) for item in result["items"]]
    table(rows, spec.columns, wide=wide)
    if result.get("next_cursor"):
        errors.print(f"more with --limit; next cursor: {result['next_cursor']}")


def _when(moment: datetime, date_only: bool) -> str:
    return moment.date().isoformat() if date_only else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _flat_participants(item: dict[str, Any]) -> dict[str, Any]:
    people = item.get("participants")
    if isinstance(people, list):
        numbers = [p.get("phoneNumber", p) if isinstance(p, dict) else p for p in people]
        return {**item, "participants": ", ".join(str(n) for n in numbers)}
    return item


@calls.command("show")
def calls_show(
    call_id: Annotated[str, typer.Argument(help="The call's id (Quo AC..., Twilio CA...).")],
    app: Annotated[str, typer.Option(help="quo, twilio or callrail.")] = "quo",
    connection: ConnectionOption = None,
    json: JsonFlag = False,
) -> None:
    """One call; for Quo also its summary, transcript and voicemail."""
    spec: CallsApp = _known(CALLS, app)
    result = actions.run(spec.show, {SHOW_INPUT[app]: call_id}, connection)
    if wants_json(json):
        emit_json(result)
        return
    data = result["data"]
    parts = data if "call" in data else {"call": data}
    call = _flat_participants(parts["call"])
    table(
        [{"field": k, "value": v} for k, v in call.items() if v not in (None, "", [])],
        ["field", "value"],
    )
    _print_quo_extras(parts)


def _print_quo_extras(parts: dict[str, Any]) -> None:
    summary = parts.get("summary") or {}
    for heading, key in (("Summary", "summary"), ("Next steps", "nextSteps")):
        lines = summary.get(key) or []
        if lines:
            console.print(f"\n[bold]{heading}[/bold]")
            for line in lines:
                console.print(f"  • {escape(str(line))}", highlight=False)
    dialogue = (parts.get("transcript") or {}).get("dialogue") or []
    if dialogue:
        console.print("\n[bold]Transcript[/bold]")
        for turn in dialogue:
            who, said = turn.get("identifier"), turn.get("content")
            console.print(
                f"  [cyan]{escape(str(who))}[/cyan]: {escape(str(said))}", highlight=False
            )
    voicemail = parts.get("voicemail") or {}
    if voicemail.get("transcript") or voicemail.get("recordingUrl"):
        console.print("\n[bold]Voicemail[/bold]")
        heard = f"{voicemail.get('transcript') or ''} {voicemail.get('recordingUrl') or ''}"
        console.print(f"  {escape(heard)}", highlight=False)


@contacts.command("search")
def contacts_search(
    name: Annotated[str, typer.Argument(help="A name, company, email or phone number.")],
    limit: Annotated[int, typer.Option("--limit", "-L", help="At most this many.")] = 20,
    connection: ConnectionOption = None,
    json: JsonFlag = False,
    wide: WideFlag = False,
) -> None:
    """Quo contacts whose name, company, number or email contains NAME."""
    result = actions.run("quo.search_contacts", {"query": name, "limit": limit}, connection)
    if wants_json(json):
        emit_json(result)
        return
    table(
        [_contact_row(c) for c in result["items"]],
        ["id", "name", "company", "phone", "email"],
        wide=wide,
    )


def _contact_row(contact: dict[str, Any]) -> dict[str, Any]:
    fields = contact.get("defaultFields") or {}
    name = " ".join(p for p in (fields.get("firstName"), fields.get("lastName")) if p)
    phones = [p.get("value") for p in fields.get("phoneNumbers") or []]
    emails = [e.get("value") for e in fields.get("emails") or []]
    return {
        "id": contact.get("id"),
        "name": name,
        "company": fields.get("company"),
        "phone": ", ".join(p for p in phones if p),
        "email": ", ".join(e for e in emails if e),
    }


def run(
    name: Annotated[str | None, typer.Argument(help="Action name, e.g. quo.list_calls.")] = None,
    arg: Annotated[
        list[str] | None, typer.Option("--arg", "-a", help="KEY=VALUE input (repeat).")
    ] = None,
    arg_json: Annotated[
        list[str] | None, typer.Option("--arg-json", help="KEY=JSON input (repeat).")
    ] = None,
    connection: ConnectionOption = None,
    list_: Annotated[bool, typer.Option("--list", help="List the actions instead.")] = False,
    json: JsonFlag = False,
) -> None:
    """Run any catalogued action (the MCP server's run_action) and print its JSON result."""
    if list_ or name is None:
        rows = [
            {"action": a.name, "title": a.title}
            for a in sorted(actions.catalogue().by_name.values(), key=lambda a: a.name)
        ]
        emit_json(rows) if wants_json(json) else table(rows, ["action", "title"])
        return
    values = actions.parse_args(actions.action(name), arg or [], arg_json or [])
    result = actions.run(name, values, connection)
    if wants_json(json):
        emit_json(result)
    else:
        console.print_json(data=result)
