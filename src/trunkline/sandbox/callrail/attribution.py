"""Marketing attribution for a call or form: where the customer came from.

Source trackers attribute every call to the tracker's configured source. Session (website)
trackers see individual visitors, so each call gets its own visit: a search engine or referrer,
keywords, a landing page, a device and click ids.
"""

from __future__ import annotations

from typing import Any

from trunkline.sandbox.kit import IdMaker

Attribution = dict[str, Any]

VISITS: tuple[tuple[str, str, str | None], ...] = (
    ("Google Organic", "organic", "https://www.google.com/"),
    ("Google Ads", "cpc", "https://www.google.com/"),
    ("Bing Organic", "organic", "https://www.bing.com/"),
    ("Direct", "direct", None),
    ("Facebook", "referral", "https://www.facebook.com/"),
)
KEYWORDS = ("emergency dentist", "teeth whitening", "dentist near me", "dental implants cost")
PAGES = ("/", "/services", "/book-now", "/pricing", "/contact", "/about")


def empty() -> Attribution:
    return {
        "source": None,
        "medium": None,
        "campaign": None,
        "keywords": None,
        "landing_page_url": None,
        "last_requested_url": None,
        "referring_url": None,
        "referrer_domain": None,
        "device_type": None,
        "gclid": None,
        "fbclid": None,
        "msclkid": None,
        "ga": None,
        "session_uuid": None,
        "utm_source": None,
        "utm_medium": None,
        "utm_campaign": None,
        "utm_term": None,
        "utm_content": None,
    }


def for_source_tracker(tracker: dict[str, Any]) -> Attribution:
    source = tracker.get("source") or {}
    kind = source.get("type")
    result = empty()
    name, medium = _source_label(kind, source, tracker)
    result.update(source=name, medium=medium, campaign=tracker.get("_campaign_name"))
    if tracker.get("_campaign_name"):
        result.update(utm_campaign=tracker["_campaign_name"], utm_medium=medium)
    return result


def _source_label(
    kind: str | None, source: dict[str, Any], tracker: dict[str, Any]
) -> tuple[str, str]:
    if kind == "search":
        engine = str(source.get("search_engine", "google")).capitalize()
        paid = source.get("search_type") == "paid"
        label = (
            "Google Ads"
            if paid and engine == "Google"
            else f"{engine} {'Paid' if paid else 'Organic'}"
        )
        return label, "cpc" if paid else "organic"
    if kind == "google_my_business":
        return "Google My Business", "organic"
    if kind in ("google_ad_extension", "mobile_ad_extension"):
        return "Google Ads", "cpc"
    if kind == "web_referrer":
        domain = str(source.get("referrer", "referral"))
        return domain.split(".")[0].capitalize(), "referral"
    if kind == "direct":
        return "Direct", "direct"
    if kind == "offline":
        return str(tracker["name"]), "offline"
    return "Website", "direct"


def website_visit(rng: IdMaker, site: str) -> Attribution:
    name, medium, referrer = VISITS[rng.randint(0, len(VISITS) - 1)]
    paid = medium == "cpc"
    keywords = rng.choice(KEYWORDS) if paid else None
    landing = f"{site}{rng.choice(PAGES)}"
    if paid:
        landing += "?utm_source=google&utm_medium=cpc&utm_campaign=spring_promo"
    result = empty()
    result.update(
        source=name,
        medium=medium,
        campaign="spring_promo" if paid else None,
        keywords=keywords,
        landing_page_url=landing,
        last_requested_url=f"{site}{rng.choice(PAGES)}",
        referring_url=referrer,
        referrer_domain=referrer.split("/")[2] if referrer else None,
        device_type="mobile" if rng.randint(0, 2) else "desktop",
        gclid=rng.hex(24) if paid else None,
        fbclid=rng.hex(24) if name == "Facebook" else None,
        ga=f"GA1.2.{rng.randint(100000000, 999999999)}.{rng.randint(1600000000, 1700000000)}",
        session_uuid=f"{rng.hex(8)}-{rng.hex(4)}-{rng.hex(4)}-{rng.hex(4)}-{rng.hex(12)}",
        utm_source="google" if paid else None,
        utm_medium="cpc" if paid else None,
        utm_campaign="spring_promo" if paid else None,
        utm_term=keywords,
    )
    return result


def milestone(attribution: Attribution, event_date: str | None) -> dict[str, Any]:
    """One milestone object (first touch, lead created...) in CallRail's shape."""
    landing = attribution.get("landing_page_url")
    return {
        "event_date": event_date,
        "ad_position": None,
        "campaign": attribution.get("campaign"),
        "device": attribution.get("device_type"),
        "keywords": attribution.get("keywords"),
        "landing": landing,
        "landing_page_url_params": _params_of(landing),
        "match_type": None,
        "medium": attribution.get("medium"),
        "referrer": attribution.get("referring_url"),
        "referrer_url_params": {},
        "session_browser": "Chrome" if attribution.get("device_type") else None,
        "url_utm_params": {},
        "source": attribution.get("source"),
    }


def _params_of(url: str | None) -> dict[str, str]:
    if not url or "?" not in url:
        return {}
    pairs = (part.split("=", 1) for part in url.split("?", 1)[1].split("&") if "=" in part)
    return dict(pairs)
