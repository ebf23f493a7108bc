"""Deterministic generated text for calls: transcripts, summaries and voicemails.

The same call id always gives the same words, so tests and demos are repeatable.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    caller_lines: tuple[str, ...]
    agent_lines: tuple[str, ...]
    summary: tuple[str, ...]
    next_steps: tuple[str, ...]
    voicemail: str


TOPICS = (
    Topic(
        caller_lines=(
            "Hi, I'm calling because my water heater is leaking from the bottom.",
            "It started this morning, there's a small puddle in the garage.",
            "Tomorrow morning would be great, anytime before noon.",
            "Perfect, thank you so much.",
        ),
        agent_lines=(
            "Thanks for calling, how can I help you today?",
            "I'm sorry to hear that. Is the leak getting worse or staying about the same?",
            "We can send a technician tomorrow. What time works for you?",
            "You're booked for 9am tomorrow. We'll text you when the technician is on the way.",
        ),
        summary=(
            "Caller reported a water heater leaking from the bottom since this morning.",
            "A technician visit was booked for 9am tomorrow.",
        ),
        next_steps=("Send the technician tomorrow at 9am.", "Text the caller when en route."),
        voicemail=(
            "Hi, this is about my water heater, it's leaking in the garage. "
            "Please call me back when you get a chance. Thanks."
        ),
    ),
    Topic(
        caller_lines=(
            "Hello, I'd like a quote for redoing the plumbing in a small bathroom.",
            "It's about sixty square feet, shower, toilet and one sink.",
            "Email is best. Can you send it this week?",
            "Great, talk soon.",
        ),
        agent_lines=(
            "Good afternoon, thanks for calling. What can we do for you?",
            "Happy to help. Roughly how big is the bathroom and what fixtures are in it?",
            "We'll put together an estimate. Do you prefer email or a call?",
            "We'll email the estimate by Friday.",
        ),
        summary=(
            "Caller asked for a quote to replumb a small bathroom with shower, toilet and sink.",
            "They prefer to receive the estimate by email.",
        ),
        next_steps=("Prepare the bathroom replumbing estimate.", "Email the estimate by Friday."),
        voicemail=(
            "Hello, I'm looking for a quote on a bathroom plumbing job. "
            "You can reach me at this number. Thank you."
        ),
    ),
    Topic(
        caller_lines=(
            "Hi, I have an appointment on Thursday but I need to move it.",
            "Would Monday afternoon work instead?",
            "Three is fine. Thanks for being flexible.",
        ),
        agent_lines=(
            "Hi there, how can I help?",
            "No problem. Let me check the schedule for you.",
            "Monday at 3pm is open. I've moved your appointment.",
        ),
        summary=(
            "Caller needed to reschedule their Thursday appointment.",
            "The appointment was moved to Monday at 3pm.",
        ),
        next_steps=("Update the technician's calendar for Monday at 3pm.",),
        voicemail=(
            "Hi, I need to reschedule my Thursday appointment. "
            "Please give me a call back. Thanks so much."
        ),
    ),
)


def topic_for(call_id: str) -> Topic:
    return random.Random(call_id).choice(TOPICS)


def dialogue(
    call_id: str, *, customer: str, agent_number: str, agent_user: str, duration: int
) -> list[dict[str, object]]:
    """Alternating agent/caller turns spread over the call's ``duration`` seconds."""
    topic = topic_for(call_id)
    turns: list[tuple[str, str, str | None]] = []
    for agent_line, caller_line in zip(topic.agent_lines, topic.caller_lines, strict=False):
        turns.append((agent_line, agent_number, agent_user))
        turns.append((caller_line, customer, None))
    span = max(duration, len(turns)) / len(turns)
    return [
        {
            "content": content,
            "start": round(index * span, 3),
            "end": round((index + 1) * span - 0.25, 3),
            "identifier": identifier,
            "userId": user,
        }
        for index, (content, identifier, user) in enumerate(turns)
    ]


def voicemail_dialogue(call_id: str, *, customer: str, duration: int) -> list[dict[str, object]]:
    text = topic_for(call_id).voicemail
    return [
        {
            "content": text,
            "start": 0.5,
            "end": float(duration),
            "identifier": customer,
            "userId": None,
        }
    ]
