"""Schedule: the whole `usked admin schedule --day D --json` of a pool of 200 host users, each
with 3 recurring meetings, against the loopback Zoom fake on the Pro plan (200 ms per request,
strict limits: light 30/s, medium 20/s, heavy 10/s), against the budget the issue sets.

    .venv/bin/python bench/schedule.py [--users 200] [--recurring 3] [--latency 0.2]
    .venv/bin/python bench/schedule.py --users 50                     # quick
    .venv/bin/python bench/schedule.py --rate-share 1.0               # the whole account's limit
    .venv/bin/python bench/schedule.py --plan business --latency 0.5  # where latency sets the pace

Budget (the schedule issue): wall time <= requests sent / (medium limit x rate_share) + 1 s,
every API request the tool sent counted (lists, details, retries; not the token). The run
leaves zoom.rate_share at its default (0.8) unless --rate-share is given, so the medium rate is
20 x 0.8 = 16/s. The tighter floor the limiter allows is also printed: the pace of the busier
category, max(medium requests / (20 x share), light requests / (30 x share)). --plan business
gives the fake Business limits (light 80/s, medium 60/s) and the tool USKED_ZOOM__PLAN=business;
the budget then uses its medium limit.

The work: GET /users (medium), then per host user GET /users/{id}/meetings and
GET /users/{id}/webinars (medium; the app holds webinar:read:admin), and per recurring meeting
GET /meetings/{id} (light) for its occurrences. Each host user hosts --recurring recurring
meetings (type 8) with --occurrences occurrences on the day and one the day after, --plain
plain meetings and --webinars plain webinars on the day; --others users outside the pool
(interp0001@acme.org ..., a meeting each) are listed by GET /users and must not be fetched.
The day is two days ahead in America/Chicago, so every meeting is upcoming.

The fake (tests/fakes/zoom.py) runs in this process on a loopback HTTP server (serve() in a
thread). The tool runs as a subprocess of this checkout (PYTHONPATH is the checkout, so a copy of
it benchmarks its own code) with its config, workspace and timezone in a temp dir and the pool in
USKED_ZOOM__HOST_USERS; its wall time runs from the process start to its exit. Afterwards: the
JSON holds every host user once, each with every expected bar; every host user's meetings and
webinars were listed once and every recurring meeting's details read once, nothing else, and no
request was sent twice except a retry after a 429 (reported).

Where the time goes: per host user, its "chain" runs from the start of its first request to the
end of its last (the meetings and webinars lists at once, then the details; as many users at
once as the medium rate allows a second, `fetch_concurrency` in usked_cli/schedules.py). The
report gives the chains, how many users were in flight on average, and the pace of medium
requests against the limiter's rate: near the rate, the limiter sets the pace; well under it,
the chains do.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.rename import run_tool  # noqa: E402  (one whole process, timed)
from tests.fakes.zoom import (  # noqa: E402
    FakeZoom,
    FakeZoomServer,
    LoggedRequest,
    serve,
)

# Zoom's per-second limits (developers.zoom.us, "Rate limits"), as usked_cli/zoom/ratelimit.py.
PLANS = {
    "pro": {"light": 30.0, "medium": 20.0, "heavy": 10.0},
    "business": {"light": 80.0, "medium": 60.0, "heavy": 40.0},
}
DEFAULT_SHARE = 0.8  # zoom.rate_share's default (usked_cli/config/model.py)
FIXED_SECONDS = 1.0  # the "+ 1 s"
TZ = "America/Chicago"
ORG = "Acme Corp"
POOL_GLOB = "host-*@acme.org"


def fetch_concurrency(medium_rate: float) -> int | None:
    """Users whose meetings the checkout benchmarked fetches at once at this medium rate."""
    try:
        from usked_cli import schedules
    except ImportError:
        return None
    rule = getattr(schedules, "fetch_concurrency", None)
    return rule(medium_rate) if callable(rule) else None


def populate(fake: FakeZoom, args: argparse.Namespace, day: datetime) -> dict[str, Any]:
    """The pool and its meetings; what the tool should find and fetch."""
    next_id = iter(range(81_000_000_001, 89_000_000_000))
    at = day.replace(hour=0, minute=0)  # local midnight of the benchmark day
    expected: dict[str, int] = {}  # email -> bars on the day
    recurring: dict[int, str] = {}  # meeting id -> host user id
    pool_ids: set[str] = set()
    for n in range(1, args.users + 1):
        user = fake.add_user(f"host-{n:04d}@acme.org", f"{ORG} Host", str(n))
        pool_ids.add(user.id)
        for r in range(args.recurring):
            # Occurrence k of recurring meeting r at 07:00 + k x recurring + r hours, 40 minutes;
            # one more the next day (outside the window: no bar).
            starts = [
                at + timedelta(hours=7 + k * args.recurring + r) for k in range(args.occurrences)
            ]
            starts.append(starts[0] + timedelta(days=1))
            meeting = fake.add_meeting(
                user, f"Series {r + 1}", None, 40, type=8, occurrences=starts, id=next(next_id)
            )
            recurring[meeting.id] = user.id
        hour = 7 + args.occurrences * args.recurring
        for p in range(args.plain):
            fake.add_meeting(
                user, f"Meeting {p + 1}", at + timedelta(hours=hour + p), 40, id=next(next_id)
            )
        for w in range(args.webinars):
            fake.add_meeting(
                user,
                f"Webinar {w + 1}",
                at + timedelta(hours=hour + args.plain + w),
                40,
                webinar=True,
                id=next(next_id),
            )
        expected[user.email] = args.recurring * args.occurrences + args.plain + args.webinars
    for other in fake.add_users(args.others):
        fake.add_meeting(other, "Not in the pool", at + timedelta(hours=10), 60, id=next(next_id))
    return {"bars": expected, "recurring": recurring, "pool_ids": pool_ids}


def tool_env(
    tmp: Path, fake: FakeZoom, server: FakeZoomServer, share: float | None, plan: str
) -> dict[str, str]:
    """The tool's settings, all from the environment: the fake, the pool, a temp workspace.
    No rate limits are given: the plan's (Pro by default); rate_share only with --rate-share."""
    credentials = fake.credentials()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("USKED_")}
    env = {
        **inherited,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "USKED_CONFIG": str(tmp / "config.toml"),
        "USKED_DATA_DIR": str(tmp / "data"),
        "USKED_TIMEZONE": TZ,
        "USKED_ORG__NAME": ORG,
        "USKED_ZOOM__ACCOUNT_ID": credentials["account_id"],
        "USKED_ZOOM__CLIENT_ID": credentials["client_id"],
        "USKED_ZOOM__CLIENT_SECRET": credentials["client_secret"],
        "USKED_ZOOM__API_URL": server.api_url,
        "USKED_ZOOM__OAUTH_URL": server.oauth_url,
        "USKED_ZOOM__HOST_USERS": POOL_GLOB,
        "USKED_ZOOM__PLAN": plan,
    }
    if share is not None:
        env["USKED_ZOOM__RATE_SHARE"] = f"{share:g}"
    return env


def kind_of(request: LoggedRequest, prefix: str) -> str:
    """What a logged API request was: users, meetings, webinars, meeting, webinar or other."""
    parts = request.path[len(prefix) :].strip("/").split("/")
    if parts == ["users"]:
        return "users"
    if len(parts) == 3 and parts[0] == "users" and parts[2] in ("meetings", "webinars"):
        return parts[2]
    if len(parts) == 2 and parts[0] in ("meetings", "webinars"):
        return parts[0][:-1]
    return "other"


def repeats(log: Sequence[LoggedRequest]) -> tuple[int, list[str]]:
    """(retries after a 429, requests sent again for no 429): the same method, path and query
    more than once."""
    sent: dict[tuple[str, str, tuple[tuple[str, str], ...]], list[int | None]] = defaultdict(list)
    for r in log:
        sent[(r.method, r.path, tuple(sorted(r.query.items())))].append(r.status)
    retries, again = 0, []
    for (method, path, _), statuses in sent.items():
        limited = sum(s == 429 for s in statuses[:-1])
        retries += limited
        if len(statuses) - 1 > limited:
            again.append(f"{method} {path} x{len(statuses)} ({', '.join(map(str, statuses))})")
    return retries, again


def chains(
    log: Sequence[LoggedRequest], prefix: str, recurring: dict[int, str], latency: float
) -> dict[str, float]:
    """Per host user id: seconds from the start of its first list request to the end of its
    last request (the fake logs each request half a latency after it arrived)."""
    times: dict[str, list[float]] = defaultdict(list)
    for r in log:
        kind = kind_of(r, prefix)
        parts = r.path[len(prefix) :].strip("/").split("/")
        if kind in ("meetings", "webinars"):
            times[parts[1]].append(r.at)
        elif kind in ("meeting", "webinar") and int(parts[1]) in recurring:
            times[recurring[int(parts[1])]].append(r.at)
    return {user: max(ats) - min(ats) + latency for user, ats in times.items()}


def check_json(stdout: str, expected: dict[str, int], args: argparse.Namespace) -> list[str]:
    """What is wrong with the tool's JSON (nothing: an empty list)."""
    try:
        day = json.loads(stdout)
    except ValueError as exc:
        return [f"stdout is not JSON: {exc}"]
    hosts = day.get("hosts", []) if isinstance(day, dict) else []
    emails = Counter(h.get("email") for h in hosts)
    problems = []
    if set(emails) != set(expected) or any(c > 1 for c in emails.values()):
        problems.append(
            f"{len(hosts)} hosts ({len(emails)} distinct), {len(set(expected) - set(emails))} "
            f"pool users missing, {len(set(emails) - set(expected))} others"
        )
    occurrences = args.recurring * args.occurrences
    wrong = []
    for host in hosts:
        bars = host.get("meetings", [])
        with_occurrence = sum(b.get("occurrence_id") is not None for b in bars)
        webinars = sum(b.get("kind") == "webinar" for b in bars)
        if (len(bars), with_occurrence, webinars) != (
            expected.get(host.get("email"), -1),
            occurrences,
            args.webinars,
        ):
            wrong.append(f"{host.get('email')}: {len(bars)} bars, {webinars} webinars")
    if wrong:
        problems.append(f"{len(wrong)} hosts with the wrong bars ({'; '.join(wrong[:3])})")
    return problems


def check_requests(log: Sequence[LoggedRequest], prefix: str, plan: dict[str, Any]) -> list[str]:
    """What was fetched (answered 2xx) that should not have been, or not fetched, or twice."""
    answered = [r for r in log if r.status is not None and 200 <= r.status < 300]
    got: dict[str, Counter[str]] = defaultdict(Counter)
    for r in answered:
        kind = kind_of(r, prefix)
        key = r.path[len(prefix) :].strip("/").split("/")[1] if kind != "users" else ""
        got[kind][key] += 1
    pool = plan["pool_ids"]
    details = {str(m) for m in plan["recurring"]}
    problems = []
    for kind, want in (("meetings", pool), ("webinars", pool), ("meeting", details)):
        have = got.get(kind, Counter())
        if set(have) != want or any(c != 1 for c in have.values()):
            problems.append(
                f"{kind}: {len(want - set(have))} never fetched, {len(set(have) - want)} "
                f"not expected, {sum(c > 1 for c in have.values())} fetched more than once"
            )
    for kind in ("webinar", "other"):
        if got.get(kind):
            problems.append(f"{sum(got[kind].values())} unexpected {kind} requests")
    return problems


def pace(ats: Sequence[float]) -> float | None:
    return (len(ats) - 1) / (max(ats) - min(ats)) if len(ats) > 2 and max(ats) > min(ats) else None


def dump(path: Path, log: Sequence[LoggedRequest], start: float, stderr: Path) -> None:
    """The fake's request log (seconds since the tool started), then the tool's stderr."""
    lines = ["at\tmethod\tpath\tstatus\tcategory"]
    lines += [f"{r.at - start:.4f}\t{r.method}\t{r.path}\t{r.status}\t{r.category}" for r in log]
    path.write_text("\n".join(lines) + "\n\n" + stderr.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="host users in the pool")
    parser.add_argument("--recurring", type=int, default=3, help="recurring meetings a user")
    parser.add_argument("--occurrences", type=int, default=3, help="of each, on the day")
    parser.add_argument("--plain", type=int, default=2, help="plain meetings a user")
    parser.add_argument("--webinars", type=int, default=1, help="plain webinars a user")
    parser.add_argument("--others", type=int, default=10, help="users outside the pool")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per request")
    parser.add_argument(
        "--rate-share",
        type=float,
        help=f"USKED_ZOOM__RATE_SHARE (default: unset, the tool's {DEFAULT_SHARE:g})",
    )
    parser.add_argument(
        "--plan",
        choices=sorted(PLANS),
        default="pro",
        help="the fake's limits and USKED_ZOOM__PLAN (the issue's figure is for pro)",
    )
    parser.add_argument(
        "--rate-slack", type=float, default=0.0, help="the fake's window slack, seconds"
    )
    parser.add_argument("--verbose", action="store_true", help="run the tool with --verbose")
    parser.add_argument(
        "--dump", type=Path, help="write the fake's request log and the tool's stderr here (TSV)"
    )
    args = parser.parse_args()
    usked = Path(sys.executable).with_name("usked")
    if not usked.exists():
        print(f"usked is not installed beside {sys.executable}", file=sys.stderr)
        return 2
    if 7 + args.recurring * args.occurrences + args.plain + args.webinars > 24:
        print("that many meetings do not fit in the day (one an hour from 07:00)", file=sys.stderr)
        return 2

    share = DEFAULT_SHARE if args.rate_share is None else args.rate_share
    tz = ZoneInfo(TZ)
    day = datetime.now(UTC).astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    day += timedelta(days=2)  # wall-clock arithmetic: local midnight two days ahead
    limits = PLANS[args.plan]
    fake = FakeZoom(rate_limits=limits, rate_slack=args.rate_slack, plan=args.plan)
    fake.scopes.add("webinar:read:admin")
    plan = populate(fake, args, day)
    argv = [str(usked), "admin", "schedule", "--day", day.date().isoformat(), "--json"]
    if args.verbose:
        argv.insert(1, "--verbose")
    prefix = fake.api_prefix
    with tempfile.TemporaryDirectory() as folder, serve(fake, latency=args.latency) as server:
        tmp = Path(folder)
        start, end, taken = run_tool(
            argv, tool_env(tmp, fake, server, args.rate_share, args.plan), tmp
        )
        log = fake.api_requests()
        every = list(fake.requests)
        stdout = (tmp / "stdout.txt").read_text()
        stderr = (tmp / "stderr.txt").read_text()
        if args.dump:
            dump(args.dump, every, start, tmp / "stderr.txt")

    by_kind = Counter(kind_of(r, prefix) for r in log)
    by_category = Counter(r.category for r in log)
    limited = [r for r in log if r.status == 429]
    medium, light = by_category["medium"], by_category["light"]
    medium_rate, light_rate = limits["medium"] * share, limits["light"] * share
    budget = len(log) / medium_rate + FIXED_SECONDS
    floor = max(medium / medium_rate, light / light_rate)
    ratio = taken / budget
    print(
        f"fake: {args.plan} plan (light {limits['light']:g}/s, medium {limits['medium']:g}/s, "
        f"heavy {limits['heavy']:g}/s; slack {args.rate_slack:g} s), "
        f"{args.latency * 1000:.0f} ms per request; {args.users} host users x "
        f"({args.recurring} recurring x {args.occurrences} on the day + {args.plain} meetings + "
        f"{args.webinars} webinar(s)), {args.others} users outside the pool, "
        f"{len(plan['recurring'])} recurring meetings in all"
    )
    unset = " (unset: the default)" if args.rate_share is None else ""
    print(
        f"usked admin schedule --day {day.date()} --json: {taken:.2f} s wall; "
        f"rate_share {share:g}{unset}: medium {medium_rate:g}/s, light {light_rate:g}/s"
    )
    rows = [
        ("GET /users", "medium", by_kind["users"]),
        ("GET /users/{id}/meetings", "medium", by_kind["meetings"]),
        ("GET /users/{id}/webinars", "medium", by_kind["webinars"]),
        ("GET /meetings/{id}", "light", by_kind["meeting"]),
        ("GET /webinars/{id}", "light", by_kind["webinar"]),
        ("other", "", by_kind["other"]),
    ]
    print(f"  {'request':<28}{'category':<10}{'sent':>6}")
    for name, category, count in rows:
        if count or name != "other":
            print(f"  {name:<28}{category:<10}{count:>6}")
    print(
        f"  {'all API requests':<28}{'':<10}{len(log):>6}   "
        f"({len(limited)} answered 429; {fake.token_requests} token)"
    )
    print(
        f"  medium {medium} / {medium_rate:g} = {medium / medium_rate:.2f} s, light {light} / "
        f"{light_rate:g} = {light / light_rate:.2f} s: floor {floor:.2f} s"
    )
    verdict = "ok" if ratio <= 1.0 else "OVER BUDGET"
    to_floor = f"{taken / floor:.3f}" if floor else "-"
    print(
        f"budget: {len(log)} / {medium_rate:g} + {FIXED_SECONDS:g} s = {budget:.2f} s; "
        f"wall / budget {ratio:.3f} {verdict}; wall / floor {to_floor}"
    )

    # Where the time goes.
    token = [r.at for r in every if not r.path.startswith(prefix)]
    users_at = [r.at for r in log if kind_of(r, prefix) == "users"]
    fetch = [r.at for r in log if kind_of(r, prefix) != "users"]
    half = args.latency / 2
    if token and users_at and fetch:
        print(
            f"phases: start-up to token {token[0] - start:.2f} s, to last GET /users "
            f"{users_at[-1] - token[0]:.2f} s, fetch {fetch[-1] - fetch[0] + 2 * half:.2f} s "
            f"(first list sent to last answer), last answer to exit {end - fetch[-1] - half:.2f} s"
        )
        span = fetch[-1] - fetch[0] + 2 * half
        per_user = chains(log, prefix, plan["recurring"], args.latency)
        if per_user:
            lengths = sorted(per_user.values())
            width = fetch_concurrency(medium_rate) or "?"
            at_once = sum(lengths) / span
            median = statistics.median(lengths)
            steps = 2 if args.recurring else 1  # both lists at once, then the details
            print(
                f"chains (first request sent to last answer, per host user): median "
                f"{median:.2f} s, 90th {lengths[int(0.9 * (len(lengths) - 1))]:.2f} s, max "
                f"{lengths[-1]:.2f} s ({steps} in a row, no wait: "
                f"{steps * args.latency:.2f} s); "
                f"{at_once:.1f} users in flight on average "
                f"(fetched at once: {width}); "
                f"users x median / in flight {len(lengths) * median / at_once:.2f} s"
            )
        medium_fetch = [
            r.at for r in log if r.category == "medium" and kind_of(r, prefix) != "users"
        ]
        light_fetch = [r.at for r in log if r.category == "light"]
        paces = []
        for name, ats, rate in (
            ("medium", medium_fetch, medium_rate),
            ("light", light_fetch, light_rate),
        ):
            got = pace(ats)
            if got is not None:
                paces.append(f"{name} {got:.2f}/s of {rate:g}/s ({got / rate:.0%})")
        if paces:
            print("pace over the fetch: " + ", ".join(paces))

    failed = False
    problems = check_json(stdout, plan["bars"], args) + check_requests(log, prefix, plan)
    retries, again = repeats(log)
    if again:
        problems.append(f"{len(again)} requests sent again without a 429: {'; '.join(again[:3])}")
    if problems:
        print("check FAILED: " + "; ".join(problems))
        failed = True
    else:
        bars = sum(plan["bars"].values())
        print(
            f"check: {args.users} hosts in the JSON with their {bars} bars; each host user's "
            f"meetings and webinars listed once, each recurring meeting read once, nothing else; "
            f"no request repeated ({retries} retries after a 429)"
        )
    if limited:
        first = ", ".join(f"{r.category} at {r.at - start:.2f} s" for r in limited[:5])
        print(f"note: {len(limited)} requests answered 429 by the fake ({first})")
    notes = [line for line in stderr.splitlines() if line.strip()]
    if notes and not args.verbose:
        print(f"note: the tool's stderr: {' | '.join(notes[:3])}")
    if args.users != 200:
        print("note: the budget's +1 s is set for 200 users; fixed costs weigh more when smaller")
    return 1 if failed or ratio > 1.0 else 0


if __name__ == "__main__":
    sys.exit(main())
