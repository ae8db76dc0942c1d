"""The conversations Rasa keeps (its SQL tracker store: table `events`, one JSON `data` per event), read and
anonymised with SQLAlchemy, without Rasa.

Anonymising a conversation keeps what analytics need — every event, its type and time, intent names and
confidences, action names, the names of slots and entities, the entities that are codes (procedure codes,
service levels) — and drops what the citizen wrote or was told: message texts, channel metadata, button data,
the values of every slot but SAFE_SLOTS, the citizen's own words among entities. The result is still a valid
Rasa tracker (the conversation can go on), and anonymising it again changes nothing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import Engine

# Slots whose values are never personal; every other slot holds answers, phones or what the citizen typed.
SAFE_SLOTS = frozenset({"procedure_code", "pending_aspect", "requested_slot"})
# Entities whose value, when a button sets it, is a code or a canonical name, never the citizen's own words.
SAFE_ENTITIES = frozenset(
    {"procedure_code", "service_level", "aspect", "field", "dossier_code", "notification_id", "feedback"}
)
_ENTITY_KEYS = ("entity", "start", "end", "confidence_entity", "extractor", "role", "group", "processors")
_USER_PARSE_KEYS = ("intent", "intent_ranking")

# Rasa's schema (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent), declared here since bot/ never imports
# Rasa; tests/unit/test_privacy_retention.py builds its tracker store with Rasa's own class.
_metadata = MetaData()
EVENTS = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def _entity(entity: Any) -> Any:
    if not isinstance(entity, dict):
        return None
    kept = {key: entity[key] for key in _ENTITY_KEYS if key in entity}
    # A value is kept only when a button set it (no extractor): a model can read anything as an entity (DIET
    # once read a typed phone number as a service_level).
    from_button = not entity.get("extractor")
    kept["value"] = entity.get("value") if entity.get("entity") in SAFE_ENTITIES and from_button else None
    return kept


def _entities(entities: Any) -> list[Any]:
    return [_entity(entity) for entity in entities] if isinstance(entities, list) else []


def anonymise_event(data: dict[str, Any]) -> dict[str, Any]:
    """The event without personal data (see the module's docstring); a new dict."""
    kind = data.get("event")
    kept = {key: value for key, value in data.items() if key != "metadata"}  # channel user info, utterances
    if kind == "user":
        parse = data.get("parse_data") or {}
        kept["text"] = ""
        kept["parse_data"] = {key: parse[key] for key in _USER_PARSE_KEYS if key in parse}
        kept["parse_data"].update(text="", entities=_entities(parse.get("entities")))
    elif kind in ("bot", "agent"):
        kept.update(text="", data={})
        utter_action = (data.get("metadata") or {}).get("utter_action")
        if utter_action:
            kept["metadata"] = {"utter_action": utter_action}  # which response, for analytics
    elif kind == "slot":
        if data.get("name") not in SAFE_SLOTS:
            kept["value"] = None
    elif kind in ("entities", "reminder"):
        kept["entities"] = _entities(data.get("entities"))
    elif kind == "action":
        kept["action_text"] = None  # an end-to-end bot text
    return kept


@dataclass(frozen=True)
class ConversationSummary:
    sender_id: str
    first_at: datetime
    last_at: datetime
    events: int
    messages: int  # user and bot messages
    anonymised: bool  # no message text left


@dataclass(frozen=True)
class Anonymised:
    conversations: int  # conversations in which at least one event changed
    events: int


def _moment(timestamp: float | None) -> datetime:
    return datetime.fromtimestamp(timestamp or 0, timezone.utc)


# The assistant's answers when it did not understand (config.yml's core fallback, the NLU fallback's rule).
EVENT_PAGE = 5000
FALLBACK_ACTIONS = ("action_default_fallback", "action_search_fallback")


@dataclass(frozen=True)
class ConversationActivity:
    conversations: int
    turns: int  # messages citizens wrote
    fallbacks: int  # answers of "not understood"


@dataclass(frozen=True)
class SpokenLine:
    """One message of a conversation as its participants saw it (for the officer taking it over)."""

    author: str  # citizen | bot
    text: str
    at: datetime


@dataclass(frozen=True)
class StoredEvent:
    """One tracker event as the analytics read it (bot/analytics/conversations.py)."""

    sender_id: str
    type_name: str
    timestamp: float
    intent_name: str | None
    action_name: str | None
    data: dict[str, Any]


class ConversationStore:
    """Rasa's SQL tracker store (SQLite or PostgreSQL), at the SQLAlchemy URL `url`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        # activity(): what has been counted so far, up to which event id.
        self._counting = threading.Lock()
        self._counted_up_to = 0
        self._senders: set[str] = set()
        self._turns = 0
        self._fallbacks = 0

    def _tables(self) -> Engine | None:
        """The engine, or None when there is no tracker store yet (nothing to read, nothing created)."""
        if self._engine is None:
            if self.url.startswith("sqlite:///") and not Path(self.url.removeprefix("sqlite:///")).is_file():
                return None
            self._engine = create_engine(self.url, future=True)
        return self._engine if inspect(self._engine).has_table("events") else None

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def activity(self) -> ConversationActivity:
        """Totals over every stored conversation (the monitoring's turns and fallbacks, all replicas).

        Counted once over the whole table, then only over the events added since (events are appended and
        never renumbered): a scrape at 100,000 stored conversations took 15 s when every scrape counted all
        of them (docs/benchmarks/bench-2026-12-01.md)."""
        engine = self._tables()
        if engine is None:
            return ConversationActivity(0, 0, 0)
        user = func.count().filter(EVENTS.c.type_name == "user")
        fallback = func.count().filter(
            EVENTS.c.type_name == "action", EVENTS.c.action_name.in_(FALLBACK_ACTIONS)
        )
        with self._counting:
            since = self._counted_up_to
            with engine.connect() as connection:
                last, turns, fallbacks = connection.execute(
                    select(func.max(EVENTS.c.id), user, fallback).where(EVENTS.c.id > since)
                ).one()
                if last is not None:
                    senders = connection.execute(
                        select(EVENTS.c.sender_id).distinct().where(EVENTS.c.id > since, EVENTS.c.id <= last)
                    )
                    self._senders.update(sender for (sender,) in senders)
                    self._turns += turns
                    self._fallbacks += fallbacks
                    self._counted_up_to = last
            return ConversationActivity(len(self._senders), self._turns, self._fallbacks)

    def idle_since(self, cutoff: datetime) -> list[str]:
        """The conversations whose last event is older than `cutoff`."""
        engine = self._tables()
        if engine is None:
            return []
        query = (
            select(EVENTS.c.sender_id)
            .group_by(EVENTS.c.sender_id)
            .having(func.max(EVENTS.c.timestamp) < cutoff.timestamp())
        )
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(query)]

    def recent_lines(
        self, sender_id: str, limit: int = 40, until: datetime | None = None
    ) -> list[SpokenLine]:
        """The conversation's last messages (up to `until`, when given), oldest first; buttons pressed and
        the back-office's own triggers are left out (their text is a payload, not something anyone wrote)."""
        engine = self._tables()
        if engine is None:
            return []
        conditions = [EVENTS.c.sender_id == sender_id, EVENTS.c.type_name.in_(("user", "bot"))]
        if until is not None:
            conditions.append(EVENTS.c.timestamp <= until.timestamp())
        query = (
            select(EVENTS.c.timestamp, EVENTS.c.type_name, EVENTS.c.data)
            .where(*conditions)
            .order_by(EVENTS.c.id.desc())
            .limit(limit)
        )
        with engine.connect() as connection:
            rows = connection.execute(query).all()
        lines = []
        for row in reversed(rows):
            text = str(json.loads(row.data or "{}").get("text") or "")
            # Rasa writes a trigger_intent from the back-office as "EXTERNAL: EXTERNAL_dossier_update".
            if not text or (row.type_name == "user" and text.startswith(("/", "EXTERNAL"))):
                continue
            lines.append(
                SpokenLine("citizen" if row.type_name == "user" else "bot", text, _moment(row.timestamp))
            )
        return lines

    def summaries(self, sender_ids: Iterable[str]) -> list[ConversationSummary]:
        engine = self._tables()
        wanted = sorted(set(sender_ids))
        if engine is None or not wanted:
            return []
        found = []
        with engine.connect() as connection:
            for sender_id in wanted:
                rows = connection.execute(
                    select(EVENTS.c.timestamp, EVENTS.c.type_name, EVENTS.c.data)
                    .where(EVENTS.c.sender_id == sender_id)
                    .order_by(EVENTS.c.id)
                ).all()
                if not rows:
                    continue
                messages = [row for row in rows if row.type_name in ("user", "bot")]
                found.append(
                    ConversationSummary(
                        sender_id=sender_id,
                        first_at=_moment(min(row.timestamp or 0 for row in rows)),
                        last_at=_moment(max(row.timestamp or 0 for row in rows)),
                        events=len(rows),
                        messages=len(messages),
                        anonymised=not any(json.loads(row.data or "{}").get("text") for row in messages),
                    )
                )
        return found

    def anonymise(self, sender_ids: Iterable[str], dry_run: bool = False) -> Anonymised:
        """Rewrite the conversations' events in place (one transaction per conversation)."""
        engine = self._tables()
        if engine is None:
            return Anonymised(0, 0)
        conversations = events = 0
        for sender_id in sorted(set(sender_ids)):
            with engine.begin() as connection:
                changed = list(self._changes(connection, sender_id))
                if changed and not dry_run:
                    for event_id, data in changed:
                        connection.execute(
                            EVENTS.update().where(EVENTS.c.id == event_id).values(data=json.dumps(data))
                        )
            conversations += bool(changed)
            events += len(changed)
        return Anonymised(conversations, events)

    @staticmethod
    def _changes(connection: Any, sender_id: str) -> Iterator[tuple[int, dict[str, Any]]]:
        rows = connection.execute(
            select(EVENTS.c.id, EVENTS.c.data).where(EVENTS.c.sender_id == sender_id).order_by(EVENTS.c.id)
        )
        for event_id, raw in rows.all():
            try:
                data = json.loads(raw or "{}")
            except ValueError:
                data = None
            if not isinstance(data, dict):  # unreadable: keep nothing but the row's own columns
                yield event_id, {}
                continue
            anonymised = anonymise_event(data)
            if anonymised != data:
                yield event_id, anonymised

    def events_between(
        self, start: datetime, end: datetime, types: Iterable[str] = ("user", "bot", "action", "slot")
    ) -> Iterator[StoredEvent]:
        """The events of every conversation from `start` (inclusive) to `end`, in the order they happened,
        read in pages so that a month of a busy commune does not sit in memory at once."""
        engine = self._tables()
        if engine is None:
            return
        wanted, after = tuple(types), 0
        while True:
            query = (
                select(EVENTS)
                .where(
                    EVENTS.c.id > after,
                    EVENTS.c.timestamp >= start.timestamp(),
                    EVENTS.c.timestamp < end.timestamp(),
                    EVENTS.c.type_name.in_(wanted),
                )
                .order_by(EVENTS.c.id)
                .limit(EVENT_PAGE)
            )
            with engine.connect() as connection:
                rows = connection.execute(query).all()
            for row in rows:
                yield StoredEvent(
                    row.sender_id,
                    row.type_name,
                    row.timestamp or 0.0,
                    row.intent_name,
                    row.action_name,
                    json.loads(row.data or "{}") or {},
                )
            if len(rows) < EVENT_PAGE:
                return
            after = rows[-1].id

    def referenced_uploads(self) -> set[str]:
        """Upload ids that unfinished forms still hold (the `dossier_state` slot's attachments)."""
        engine = self._tables()
        if engine is None:
            return set()
        found: set[str] = set()
        query = select(EVENTS.c.data).where(EVENTS.c.type_name == "slot", EVENTS.c.data.like('%"upload_id"%'))
        with engine.connect() as connection:
            for (raw,) in connection.execute(query):
                value = (json.loads(raw or "{}") or {}).get("value")
                for item in (value or {}).get("attachments", []) if isinstance(value, dict) else []:
                    if isinstance(item, dict) and item.get("upload_id"):
                        found.add(str(item["upload_id"]))
        return found
