"""The analytics page's figures on a seeded set of conversations, every expected number worked out by hand
below (not computed by the code under test): conversations written with Rasa's own tracker store, handover
requests, ratings and unanswered questions in the database. Then the page itself, its CSV, and an
unanswered question turned into a citizen wording (proposed by one officer, approved by another)."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.analytics.charts import bar_chart
from bot.analytics.report import Analytics, percentile
from bot.catalog.misses import CANDIDATES, NOT_UNDERSTOOD, MissLog
from bot.feedback.models import Feedback
from bot.forms.definitions import load_forms
from bot.handover.messages import STILL_NOT_UNDERSTOOD
from bot.handover.models import CALLBACK, CLOSED, LIVE, HandoverRequest
from bot.privacy.conversations import ConversationStore
from bot.services import Services
from tests.unit.conftest import run_app
from tests.unit.test_officer_pages import login
from tests.unit.tracker_fixtures import save

UTC = timezone.utc
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 10:00 on 01/12 in Vietnam
YESTERDAY = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 09:00 on 30/11
TODAY = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 08:00 on 01/12
LONG_AGO = NOW - timedelta(days=40)  # outside the 30 days shown


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def said(text: str, intent: str, at: float, sender_channel: str = "rest") -> UserUttered:
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    return UserUttered(
        text, intent=parse["intent"], parse_data=parse, input_channel=sender_channel, timestamp=at
    )


def answered(text: str, at: float, response: str | None = None) -> BotUttered:
    return BotUttered(text, metadata={"utter_action": response} if response else {}, timestamp=at)


def form_state(key: str, phase: str, step: int = 0) -> dict:
    return {"procedure_code": "1.001193", "phase": phase, "step": step, "answers": {}, "idempotency_key": key}


def conversations() -> dict[str, list]:
    y, t = YESTERDAY.timestamp(), TODAY.timestamp()
    return {
        # 30/11: three messages; the second not understood ("em chưa hiểu", an NLU fallback).
        "a": [
            ActionExecuted("action_listen", timestamp=y),
            said("khai sinh cần giấy tờ gì", "ask_documents", y + 1),
            ActionExecuted("action_answer_procedure", timestamp=y + 2),
            SlotSet("procedure_code", "1.001193", timestamp=y + 2),
            answered("Dạ, hồ sơ đăng ký khai sinh gồm ...", y + 2),
            said("xkcd qwrtp", "nlu_fallback", y + 10),
            ActionExecuted("action_search_fallback", timestamp=y + 11),
            answered("Dạ, em chưa hiểu rõ ý anh/chị.", y + 11, "utter_default"),
            said('/rate{"feedback":"answer|1.001193|good"}', "rate", y + 20),
            answered("Dạ, em cảm ơn anh/chị đã đánh giá ạ.", y + 21),
        ],
        # 30/11: an NLU fallback the search still answered (understood), then the second "em chưa hiểu".
        "b": [
            said("so do bi mat", "nlu_fallback", y + 100),
            ActionExecuted("action_search_fallback", timestamp=y + 101),
            SlotSet("procedure_code", "1.004873", timestamp=y + 101),
            answered("Dạ, thủ tục ...", y + 101),
            said("zzz", "nlu_fallback", y + 110),
            ActionExecuted("action_search_fallback", timestamp=y + 111),
            answered(STILL_NOT_UNDERSTOOD + " Em chuyển anh/chị đến cán bộ ...", y + 111),
        ],
        # 01/12: a dossier update (not the citizen's message), then a form stopped at its second question.
        "c": [
            said("EXTERNAL: EXTERNAL_dossier_update", "EXTERNAL_dossier_update", t),
            said("nộp hồ sơ khai sinh", "start_dossier", t + 10),
            SlotSet("procedure_code", "1.001193", timestamp=t + 11),
            SlotSet("dossier_state", form_state("k1", "consent"), timestamp=t + 11),
            said("đồng ý", "affirm", t + 20),
            SlotSet("dossier_state", form_state("k1", "fields", 0), timestamp=t + 21),
            said("Nguyễn Văn An", "inform", t + 30),
            SlotSet("dossier_state", form_state("k1", "fields", 1), timestamp=t + 31),
        ],
        # 01/12: a form taken to the end.
        "d": [
            said("nộp hồ sơ khai sinh", "start_dossier", t + 200),
            SlotSet("procedure_code", "1.001193", timestamp=t + 201),
            SlotSet("dossier_state", form_state("k2", "consent"), timestamp=t + 201),
            said("xác nhận", "affirm", t + 210),
            SlotSet("dossier_state", form_state("k2", "otp"), timestamp=t + 211),
            SlotSet("dossier_state", form_state("k2", "done"), timestamp=t + 212),
        ],
        # 40 days ago: outside the period.
        "old": [
            said("khai sinh", "ask_procedure", LONG_AGO.timestamp()),
            answered("Dạ ...", LONG_AGO.timestamp()),
        ],
    }


def seed(services: Services, tracker_path) -> None:
    for sender, events in conversations().items():
        save(tracker_path, sender, events)
    with services.sessions.begin() as session:
        for sender, kind, created, claimed, closed in [
            ("b", LIVE, YESTERDAY, YESTERDAY + timedelta(minutes=6), YESTERDAY + timedelta(minutes=20)),
            ("d", CALLBACK, YESTERDAY + timedelta(hours=11), None, None),
            ("x", LIVE, TODAY, TODAY + timedelta(minutes=2), None),
            ("c", LIVE, TODAY + timedelta(minutes=30), None, TODAY + timedelta(minutes=40)),
        ]:
            session.add(
                HandoverRequest(
                    channel="rest",
                    sender_id=sender,
                    kind=kind,
                    reason="asked",
                    topic="",
                    status=CLOSED if closed else "waiting",
                    created_at=created,
                    claimed_at=claimed,
                    closed_at=closed,
                    summary="",
                )
            )
        for sender, subject, rating, at, comment in [
            ("a", "answer", "good", YESTERDAY, ""),
            ("b", "handover", "bad", YESTERDAY + timedelta(hours=1), "Cán bộ trả lời chậm, gọi 0912345678"),
            ("d", "dossier", "good", TODAY, ""),
            ("c", "answer", "bad", TODAY + timedelta(hours=1), ""),
            ("old", "answer", "bad", LONG_AGO, ""),
        ]:
            session.add(
                Feedback(
                    channel="rest",
                    sender_id=sender,
                    subject=subject,
                    reference="1.001193" if subject == "answer" else "1",
                    rating=rating,
                    comment=comment,
                    created_at=at,
                    updated_at=at,
                )
            )
    misses = MissLog(services.sessions, b"k" * 32, clock=Clock(YESTERDAY))
    for question, outcome in [
        ("làm giấy khai sinh cho con", CANDIDATES),
        ("làm giấy khai sinh cho con", CANDIDATES),
        ("khai sinh cho bé thế nào", CANDIDATES),
        ("wifi ở ủy ban mật khẩu gì", NOT_UNDERSTOOD),
    ]:
        misses.record("rest", f"q-{len(question)}", question, outcome)
    misses.picked("rest", f"q-{len('khai sinh cho bé thế nào')}", "1.001193")


@pytest.fixture
def analytics_services(app_services, tmp_path) -> Services:
    tracker = tmp_path / "tracker.db"
    settings = app_services.settings
    privacy = dataclasses.replace(settings.privacy, tracker_db_url=f"sqlite:///{tracker}")
    services = Services(dataclasses.replace(settings, privacy=privacy))
    seed(services, tracker)
    services.analytics.clock = Clock(NOW)
    return services


def test_nearest_rank_percentiles():
    assert percentile([], 0.5) is None
    assert percentile([6.0, 2.0], 0.5) == 2.0 and percentile([6.0, 2.0], 0.9) == 6.0
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9


def test_the_figures_of_a_seeded_month_by_day(analytics_services):
    report = analytics_services.analytics.report("day")
    assert len(report.rows) == 30 and report.rows[-1].label == "01/12" and report.rows[-2].label == "30/11"
    yesterday, today = report.rows[-2], report.rows[-1]
    assert all(row.messages == 0 for row in report.rows[:-2])  # the conversation 40 days ago is left out

    # 30/11: a (3 messages, 1 "em chưa hiểu") and b (2 messages, the second "em vẫn chưa hiểu").
    assert (yesterday.conversations, yesterday.messages, yesterday.understood) == (2, 5, 3)
    assert yesterday.understood_rate == pytest.approx(0.6)
    assert yesterday.nlu_fallbacks == 3  # a's "xkcd", b's "so do bi mat" (answered by the search) and "zzz"
    # 01/12: c (3 messages; the dossier update is not one) and d (2 messages), all understood.
    assert (today.conversations, today.messages, today.understood, today.nlu_fallbacks) == (2, 5, 5, 0)
    totals = report.totals
    assert (totals.conversations, totals.messages, totals.understood) == (4, 10, 8)
    assert totals.understood_rate == pytest.approx(0.8)

    # Procedures under discussion: 1.001193 in a, c, d; 1.004873 in b.
    assert [(asks.code, asks.conversations) for asks in report.procedures] == [
        ("1.001193", 3),
        ("1.004873", 1),
    ]
    assert report.procedures[0].name == "Thủ tục đăng ký khai sinh"

    # Forms: two started on 01/12, d's finished, c's stopped at its second question.
    assert (today.forms_started, today.forms_finished) == (2, 1)
    [funnel] = report.forms
    second_question = load_forms()["1.001193"].fields[1].label
    assert (funnel.procedure_code, funnel.started, funnel.finished) == ("1.001193", 2, 1)
    assert funnel.stopped_at == ((f"Câu 2: {second_question}", 1),)

    # Handovers: 4 requests (3 live, 1 callback); b, c, d of the 4 conversations asked (x never talked to
    # the bot in the period); waits 6 and 2 minutes: median 2, 90th percentile 6; c gave up waiting.
    handover = report.handover
    assert (handover.requests, handover.live, handover.callbacks, handover.claimed) == (4, 3, 1, 2)
    assert handover.never_claimed == 1
    assert handover.conversations_rate == pytest.approx(0.75)
    assert (handover.median_wait_minutes, handover.p90_wait_minutes) == (2.0, 6.0)
    assert (yesterday.handovers, today.handovers) == (2, 2)

    # Ratings in the period: a good and b bad on 30/11, d good and c bad on 01/12 (the old one left out).
    assert (yesterday.rated_good, yesterday.rated_bad, today.rated_good, today.rated_bad) == (1, 1, 1, 1)
    assert totals.satisfaction == pytest.approx(0.5)
    by_subject = {rated.subject: (rated.good, rated.bad) for rated in report.satisfaction}
    assert by_subject == {"answer": (1, 1), "dossier": (1, 0), "handover": (0, 1)}


def test_unanswered_questions_are_grouped_by_meaning(analytics_services):
    groups = analytics_services.analytics.report("week").questions
    assert [(found.question, found.count, found.kind) for found in groups] == [
        ("làm giấy khai sinh cho con", 3, "unanswered"),
        ("wifi ở ủy ban mật khẩu gì", 1, "misunderstood"),
    ]
    assert groups[0].examples == ("khai sinh cho bé thế nào",)
    assert groups[0].picked == (("1.001193", 1),)


def test_weeks_and_months_take_in_the_older_conversation(analytics_services):
    analytics = analytics_services.analytics
    for granularity, last_label in (("week", "tuần 30/11"), ("month", "12/2026")):
        report = analytics.report(granularity, with_questions=False)
        assert report.rows[-1].label == last_label and len(report.rows) == 12
        # The 30 days' 4 conversations, 10 messages, 8 understood, and the one 40 days ago (understood).
        assert (report.totals.conversations, report.totals.messages, report.totals.understood) == (5, 11, 9)
    weeks = analytics.report("week", with_questions=False)
    assert weeks.rows[-1].messages == 10  # 30/11 is a Monday: both days in the last week
    months = analytics.report("month", with_questions=False)
    # October (the old one, 22/10), November (a, b), December (c, d).
    assert [row.messages for row in months.rows[-3:]] == [1, 5, 5]


def test_without_a_tracker_store_the_figures_are_zero(app_services, tmp_path):
    analytics = Analytics(
        app_services.sessions,
        ConversationStore(f"sqlite:///{tmp_path / 'none.db'}"),
        app_services.misses,
        lambda code: None,
        {},
        clock=Clock(NOW),
    )
    report = analytics.report("day")
    assert report.totals.messages == 0 and report.totals.understood_rate is None and report.questions == ()


def test_the_page_its_csv_and_a_question_turned_into_a_wording(analytics_services):
    services = analytics_services

    async def scenario(client):
        assert (await login(client, "phantich")).status == 302
        page = await client.get("/officer/analytics?by=day")
        html = await page.text()
        exported = await client.get("/officer/analytics/export.csv?by=day&section=periods")
        table = await exported.text()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        proposed = await client.post(
            "/officer/analytics/wordings",
            data={
                "csrf_token": csrf,
                "by": "day",
                "wording": "làm giấy khai sinh cho con",
                "procedure_code": "1.001193",
            },
            allow_redirects=False,
        )
        mine = await (await client.get("/officer/analytics")).text()
        return page.status, html, exported, table, proposed.status, mine

    status, html, exported, table, proposed, mine = run_app(services, scenario)
    assert status == 200
    assert '<strong data-figure="conversations">4</strong>' in html
    assert '<strong data-figure="understood">80.0%</strong>' in html
    assert '<strong data-figure="handover-rate">75.0%</strong>' in html
    assert '<strong data-figure="satisfaction">50.0%</strong>' in html
    assert '<strong data-figure="forms">1/2</strong>' in html
    assert (
        html.count("<svg") == 4 and "<script src" not in html
    )  # charts drawn on the server, nothing fetched
    assert "Thủ tục đăng ký khai sinh (1.001193)" in html and "làm giấy khai sinh cho con" in html
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(table.lstrip("\ufeff"))))
    assert rows[0][:5] == ["ky", "cuoc_tro_chuyen", "tin_nhan", "hieu_duoc", "ty_le_hieu_%"]
    assert rows[-1][:5] == ["Tổng", "4", "10", "8", "80.0"]
    assert rows[-2][:5] == ["01/12", "2", "5", "5", "100.0"] and len(rows) == 32
    assert proposed == 302
    assert "Chờ cán bộ khác duyệt" in mine  # the proposer may not approve it
    [pending] = services.wordings.pending()

    async def review(client):
        assert (await login(client, "admin")).status == 302
        html = await (await client.get("/officer/analytics")).text()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        response = await client.post(
            f"/officer/analytics/wordings/{pending.id}/approve",
            data={"csrf_token": csrf, "by": "day"},
            allow_redirects=False,
        )
        return response.status, response.headers["Location"]

    status, location = run_app(services, review)
    assert status == 302 and "done=approved" in location
    assert [(w.wording, w.procedure_code) for w in services.wordings.approved()] == [
        ("làm giấy khai sinh cho con", "1.001193")
    ]


def test_negative_feedback_with_its_conversation_masked_by_role(analytics_services):
    services = analytics_services
    negative = services.feedback.negative()
    assert [entry.sender_id for entry in negative] == ["c", "b", "old"]  # newest first
    chat = negative[1]

    async def scenario(client, username):
        assert (await login(client, username)).status == 302
        listing = await (await client.get("/officer/feedback")).text()
        detail = await (await client.get(f"/officer/feedback/{chat.id}")).text()
        return listing, detail

    listing, detail = run_app(services, lambda client: scenario(client, "phantich"))
    assert "Cán bộ trả lời chậm" in listing and "0912345678" not in listing  # masked for analytics
    assert "so do bi mat" in detail and "zzz" in detail  # the conversation up to the rating
    _, desk_detail = run_app(services, lambda client: scenario(client, "motcua"))
    assert "0912345678" in desk_detail  # the one-stop desk handles citizens' personal data


def test_without_the_embedder_only_identical_questions_are_grouped(analytics_services):
    analytics = analytics_services.analytics
    analytics.embed = None
    groups = {found.question: found.count for found in analytics.report("day").questions}
    assert groups == {
        "làm giấy khai sinh cho con": 2,
        "khai sinh cho bé thế nào": 1,
        "wifi ở ủy ban mật khẩu gì": 1,
    }


def test_a_refused_proposal_shows_why_on_the_page_not_in_the_url(analytics_services):
    async def scenario(client):
        assert (await login(client, "phantich")).status == 302
        html = await (await client.get("/officer/analytics?by=week")).text()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        refused = await client.post(
            "/officer/analytics/wordings",
            data={
                "csrf_token": csrf,
                "by": "week",
                "wording": "khai sinh cho bé",
                "procedure_code": "9.999999",
            },
            allow_redirects=False,
        )
        forged = await client.post(
            "/officer/analytics/wordings",
            data={"csrf_token": "forged", "wording": "khai sinh cho bé", "procedure_code": "1.001193"},
            allow_redirects=False,
        )
        return refused.status, await refused.text(), forged.status

    status, html, forged = run_app(analytics_services, scenario)
    assert status == 409 and "9.999999" in html and 'class="error"' in html
    assert forged == 403 and analytics_services.wordings.pending() == []


def test_a_chart_is_plain_svg_with_one_bar_per_known_value():
    svg = bar_chart("Tỷ lệ <hiểu>", ["01/12", "02/12", "03/12"], [0.5, None, 1.0], percent=True)
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "<script" not in svg
    assert svg.count("<rect") == 2  # no bar for the day without data
    assert "Tỷ lệ &lt;hiểu&gt;" in svg and "<hiểu>" not in svg
    assert "01/12: 50%" in svg and "03/12: 100%" in svg and ">100%</text>" in svg
    month = bar_chart("Cuộc trò chuyện", [f"{day:02d}/11" for day in range(1, 31)], [1] * 30)
    named = re.findall(r'text-anchor="middle">([^<]+)</text>', month)
    assert named[-1] == "30/11" and len(named) == 15  # every other day, the latest always named
    counts = bar_chart("Cuộc trò chuyện", ["a", "b"], [3, 6])
    heights = [float(value) for value in re.findall(r'<rect[^>]* height="([\d.]+)"', counts)]
    assert heights[1] == pytest.approx(2 * heights[0])  # bars in proportion, the tallest at the top
