"""Quo's dated API (``Quo-Api-Version: 2026-03-30``): the unprefixed paths of the sandbox.

It reads and writes the same world as v1 (``/v1/...``): a text sent through v1 is listed by
``GET /messages``, a contact created by ``POST /contacts`` is listed by ``GET /v1/contacts``.
Only the shapes differ: cursor pages, bracketed filters, flat contacts with properties, the
``{title, message, docs, trace, errors}`` error body and Standard Webhooks deliveries.
"""
