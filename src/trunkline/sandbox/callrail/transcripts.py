"""Conversation content for recorded calls: transcript, summary, sentiment, highlights.

Deterministic for seed data (the seeded generator picks the script) and plausible enough for
agents that summarise calls.
"""

from __future__ import annotations

from typing import Any

from trunkline.sandbox.kit import IdMaker

SCRIPTS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "appointment",
        "positive",
        (
            ("agent", "Thanks for calling, how can I help you today?"),
            ("caller", "Hi, I'd like to book an appointment for next week."),
            ("agent", "Sure, we have Tuesday at 10 or Thursday at 2."),
            ("caller", "Tuesday at 10 works great, thank you."),
        ),
    ),
    (
        "pricing",
        "neutral",
        (
            ("agent", "Good afternoon, this is the front desk."),
            ("caller", "Hi, I'm calling to ask about your pricing."),
            ("agent", "Of course, I can email you our price list."),
            ("caller", "That would be helpful, I'll think it over."),
        ),
    ),
    (
        "complaint",
        "negative",
        (
            ("agent", "Hello, how can I help?"),
            ("caller", "I was billed twice for my last visit and I'm not happy."),
            ("agent", "I'm sorry about that, let me look into the invoice."),
            ("caller", "Please call me back once it's fixed."),
        ),
    ),
)
SUMMARIES = {
    "appointment": "The caller asked to book an appointment. The agent offered two times and the "
    "caller chose Tuesday at 10.",
    "pricing": "The caller asked about pricing. The agent offered to email the price list.",
    "complaint": "The caller reported a double charge. The agent apologised and promised to "
    "check the invoice and call back.",
}
VOICEMAIL = "Hi, this is a message for the office, please call me back when you get a chance."


def conversation(rng: IdMaker, voicemail: bool) -> dict[str, Any]:
    """Transcript fields for a finished call that was recorded."""
    if voicemail:
        return {
            "transcription": f"Caller: {VOICEMAIL}",
            "conversational_transcript": [{"speaker": "caller", "phrase": VOICEMAIL, "start": 0.5}],
            "call_summary": "The caller left a voicemail asking for a call back.",
            "sentiment": "neutral",
            "call_highlights": ["call back"],
            "speaker_percent": {"agent": 0, "customer": 100},
        }
    topic, mood, lines = SCRIPTS[rng.randint(0, len(SCRIPTS) - 1)]
    transcript = [
        {"speaker": speaker, "phrase": phrase, "start": round(index * 4.5 + 0.8, 2)}
        for index, (speaker, phrase) in enumerate(lines)
    ]
    return {
        "transcription": " ".join(
            f"{'Agent' if s == 'agent' else 'Caller'}: {p}" for s, p in lines
        ),
        "conversational_transcript": transcript,
        "call_summary": SUMMARIES[topic],
        "sentiment": mood,
        "call_highlights": [topic],
        "speaker_percent": {"agent": 48, "customer": 52},
    }


def silent() -> dict[str, Any]:
    return {
        "transcription": None,
        "conversational_transcript": None,
        "call_summary": None,
        "sentiment": None,
        "call_highlights": [],
        "speaker_percent": None,
    }
