"""What the operators' monitoring reads (`/metrics` of the back-office): the dossiers by state, the
notifications waiting or failing, the platform message queues, and the citizens' turns and the assistant's
"not understood" answers over all stored conversations (so every Rasa replica's are counted)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.channels.queue import ChannelQueue
from bot.db.models import Dossier, Notification
from bot.privacy.conversations import ConversationActivity, ConversationStore
from bot.workflow.states import STATUSES

PLATFORM_CHANNELS = ("telegram", "zalo")


@dataclass(frozen=True)
class OperationsSnapshot:
    dossiers: dict[str, int]  # by workflow status, every status present (0 when none)
    notifications_waiting: int  # not yet in the citizen's conversation
    notifications_failing: int  # of those, tried at least once without success
    channel_messages: dict[tuple[str, str], int]  # (channel, pending|sent|held|failed) -> messages
    activity: ConversationActivity


def operations_snapshot(
    sessions: sessionmaker, queue: ChannelQueue, conversations: ConversationStore
) -> OperationsSnapshot:
    with sessions() as session:
        by_status = dict(session.execute(select(Dossier.status, func.count()).group_by(Dossier.status)).all())
        waiting, failing = session.execute(
            select(func.count(), func.count().filter(Notification.attempts > 0)).where(
                Notification.delivered_at.is_(None)
            )
        ).one()
    messages = {}
    for channel in PLATFORM_CHANNELS:
        for state, count in queue.statistics(channel).items():
            if state != "oldest_pending_seconds":
                messages[(channel, state)] = count
    return OperationsSnapshot(
        dossiers={status: by_status.get(status, 0) for status in STATUSES},
        notifications_waiting=waiting,
        notifications_failing=failing,
        channel_messages=messages,
        activity=conversations.activity(),
    )
