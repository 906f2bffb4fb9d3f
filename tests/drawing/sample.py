"""One day of a five-user pool, the picture the tests and the README draw: Thursday 3 December
2026 in Chicago, padding 10 minutes, free stretches of 60 minutes.

- Host A: two meetings 5 minutes apart (padding broken), then a webinar;
- Host B: two overlapping meetings, then an occurrence of a recurring meeting;
- Host C and Host E: nothing that day;
- Host D: an early meeting and a late one, which widen the drawn hours to 06:00-19:00.

The first meetings carry uSked request ids, as if a synced feed named their meeting ids.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from usked_cli.rules.padding import Meeting
from usked_cli.rules.schedule import DaySchedule, build_day

CHICAGO = ZoneInfo("America/Chicago")
DAY = date(2026, 12, 3)
ORG = "Acme Corp"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 3, hour, minute, tzinfo=CHICAGO)


def meeting(
    meeting_id: str,
    topic: str,
    start: datetime,
    minutes: int,
    *,
    kind: str = "meeting",
    occurrence_id: str | None = None,
) -> Meeting:
    # Elapsed time, in UTC: `+` on a zoned datetime adds wall-clock time.
    end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)
    return Meeting(meeting_id, topic, start, end, occurrence_id, kind)


A1 = meeting("81234567890", "Intake interview", at(8, 30), 60)
A2 = meeting("81234567891", "Follow-up visit", at(9, 35), 55)
A3 = meeting("89876543210", "Board briefing", at(13), 60, kind="webinar")
B1 = meeting("82222222222", "Court hearing", at(9), 60)
B2 = meeting("82222222223", "Deposition", at(9, 45), 75)
B3 = meeting("83333333333", "Weekly check-in", at(15), 60, occurrence_id="1764795600000")
D1 = meeting("84444444444", "Early clinic", at(7), 75)
D2 = meeting("84444444445", "Evening class", at(16, 30), 120)

HOSTS: list[tuple[str, str, list[Meeting]]] = [
    ("host-a@acme.org", "Acme Corp Host A", [A1, A2, A3]),
    ("host-b@acme.org", "Acme Corp Host B", [B1, B2, B3]),
    ("host-c@acme.org", "Acme Corp Host C", []),
    ("host-d@acme.org", "Acme Corp Host D", [D1, D2]),
    ("host-e@acme.org", "Acme Corp Host E", []),
]
REQUEST_IDS = {A1: "104233", A2: "104241", B1: "104250", D2: "104262"}


def sample_day() -> DaySchedule:
    return build_day(
        DAY,
        CHICAGO,
        HOSTS,
        padding_minutes=10,
        duration_minutes=60,
        request_ids=REQUEST_IDS,
    )
