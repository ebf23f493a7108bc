"""The seeded world, described as data: accounts, companies, trackers, people and names.

``seed.py`` turns this into records with deterministic ids. Two accounts: the main one (three
companies, a few hundred calls) and a small second one that proves keys cannot see each other.
"""

from __future__ import annotations

from typing import Any

MAIN_ACCOUNT: dict[str, Any] = {
    "name": "Trunkline Sandbox Agency",
    "owner": ("Avery", "Quinn", "avery.quinn@sandbox.example"),
    "staff": (
        ("Jordan", "Ellis", "jordan.ellis@sandbox.example", "manager", (0, 1)),
        ("Sam", "Patel", "sam.patel@sandbox.example", "reporting", (2,)),
    ),
    "calls": 300,
    "companies": (
        {
            "name": "Bright Smile Dental",
            "time_zone": "America/New_York",
            "area": "404",
            "site": "https://www.brightsmile.example",
            "form_capture": True,
            "weight": 5,
            "trackers": (
                (
                    "Google Organic",
                    "source",
                    {"type": "search", "search_engine": "google", "search_type": "organic"},
                    None,
                ),
                (
                    "Google Ads",
                    "source",
                    {"type": "search", "search_engine": "google", "search_type": "paid"},
                    "Spring Promo",
                ),
                ("Website Visitors", "session", {"type": "all"}, None),
            ),
            "tags": (
                ("New Patient", "green2"),
                ("Appointment Booked", "blue2"),
                ("Insurance Question", "yellow1"),
            ),
        },
        {
            "name": "Summit Plumbing & Heating",
            "time_zone": "America/Chicago",
            "area": "312",
            "site": "https://www.summitplumbing.example",
            "form_capture": False,
            "weight": 3,
            "trackers": (
                ("Google My Business", "source", {"type": "google_my_business"}, None),
                ("Truck Wrap", "source", {"type": "offline"}, "Fleet Branding"),
            ),
            "tags": (("Emergency", "red2"), ("Quote Requested", "orange2")),
        },
        {
            "name": "Harbor Law Group",
            "time_zone": "America/Los_Angeles",
            "area": "415",
            "site": "https://www.harborlaw.example",
            "form_capture": False,
            "weight": 2,
            "trackers": (
                ("Facebook", "source", {"type": "web_referrer", "referrer": "facebook.com"}, None),
                ("Billboard I-80", "source", {"type": "offline"}, "Billboard Q2"),
            ),
            "tags": (("Consultation", "purple2"), ("Not Qualified", "gray1")),
        },
    ),
    "account_tags": (("Follow Up", "cyan2"),),
}

SECOND_ACCOUNT: dict[str, Any] = {
    "name": "Northwind Realty",
    "owner": ("Riley", "Chen", "riley.chen@northwind.example"),
    "staff": (),
    "calls": 12,
    "companies": (
        {
            "name": "Northwind Realty",
            "time_zone": "America/Denver",
            "area": "303",
            "site": "https://www.northwind.example",
            "form_capture": False,
            "weight": 1,
            "trackers": (("Yard Signs", "source", {"type": "offline"}, None),),
            "tags": (("Buyer", "blue1"), ("Seller", "green1")),
        },
    ),
    "account_tags": (),
}

FIRST_NAMES = (
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "Mateo",
    "Isabella",
    "Lucas",
    "Mia",
    "Levi",
    "Amelia",
    "Asher",
    "Harper",
    "James",
    "Evelyn",
    "Leo",
    "Luna",
    "Grayson",
)
LAST_NAMES = (
    "Garcia",
    "Smith",
    "Johnson",
    "Nguyen",
    "Brown",
    "Martinez",
    "Lee",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Lopez",
    "Hill",
    "Scott",
    "Green",
    "Adams",
    "Baker",
)
CUSTOMER_AREAS = ("404", "770", "312", "773", "415", "213", "212", "305", "512", "206")
TEXTS_IN = (
    "Hi, do you have any openings this week?",
    "Can you send me a quote?",
    "Is this the right number to reschedule?",
    "Thanks for the quick reply!",
)
TEXTS_OUT = (
    "Hi! Yes, we have Thursday afternoon available. Reply STOP to opt out.",
    "Happy to help, what's the best email to send it to?",
    "Yes it is, what time works better for you?",
)
