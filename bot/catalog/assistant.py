"""One turn of a conversation about procedures: which procedure, which aspect, what to answer.

Plain Python over the catalogue, the search and the answers; the Rasa action only maps intents and slots.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol

from bot.catalog import answers, misses
from bot.catalog.answers import OVERVIEW
from bot.catalog.aspects import AspectCues
from bot.catalog.model import Procedure
from bot.catalog.outside import OutsideTopic
from bot.catalog.search import SearchResult
from bot.catalog.situations import SiblingQuestion
from bot.replies import Button, Reply
from bot.settings import SearchSettings


class ProcedureFinder(Protocol):
    def search(self, query: str, limit: int = 5) -> SearchResult: ...

    def names_a_procedure(self, message: str) -> bool: ...


class ProcedureLookup(Protocol):
    def get(self, code: str) -> Procedure | None: ...


@dataclass(frozen=True)
class Turn:
    replies: list[Reply]
    procedure_code: str | None  # the procedure under discussion after this turn
    pending_aspect: str | None  # what to answer once the citizen has chosen among candidates
    outcome: str = misses.ANSWERED  # what the bot did (bot/catalog/misses.py)
    offered: tuple[str, ...] = ()  # the procedure codes offered as buttons


NOT_FOUND = (
    "Dạ, em chưa tìm thấy thủ tục nào khớp với câu hỏi trong danh mục thủ tục hành chính. "
    'Anh/chị có thể ghi rõ tên thủ tục hơn (ví dụ: "đăng ký khai sinh", "cấp lại giấy phép lái xe"), '
    "hoặc liên hệ {desk} để được hướng dẫn."
)
OUTSIDE_CATALOGUE = (
    "Dạ, việc anh/chị hỏi thuộc về {topic}. Thủ tục này hiện chưa có trong danh mục thủ tục em tra cứu "
    "được, nên em không dám hướng dẫn để tránh sai sót. Việc này thường do {handled_by} phụ trách; "
    "anh/chị vui lòng liên hệ {desk} để được hướng dẫn cụ thể ạ."
)
NOT_SURE = "Nếu không có thủ tục anh/chị cần, anh/chị có thể hỏi {desk} ạ."
WHICH_PROCEDURE = (
    'Dạ, anh/chị muốn hỏi về thủ tục nào ạ? Anh/chị nhập tên thủ tục, ví dụ "đăng ký thường trú".'
)


@dataclass
class ProcedureAssistant:
    catalog: ProcedureLookup
    search: ProcedureFinder
    submittable: frozenset[str] = frozenset()  # procedures whose dossier can be submitted in the chat
    desk_settings: SearchSettings = field(default_factory=SearchSettings)
    aspect_cues: AspectCues = field(default_factory=AspectCues.load)

    @property
    def desk(self) -> str:
        """The one-stop desk, with its address and phone where configured."""
        settings = self.desk_settings
        details = settings.desk_details
        return f"{settings.desk_name} ({details})" if details else f"{settings.desk_name} của xã"

    def ask(
        self,
        aspect: str,
        message: str,
        *,
        procedure_phrase: str | None = None,
        current_code: str | None = None,
    ) -> Turn:
        """A question about `aspect`. The procedure is the one the whole message names (the NLU's phrase is
        only a hint, tried when the message finds nothing, and then never answered directly: a fragment like
        "phí" or "đăng ký" can look like a confident match for an unrelated procedure), else the one under
        discussion, else we ask which."""
        if aspect == OVERVIEW:  # the NLU's general question may still name an aspect ("điều kiện …")
            aspect = self.aspect_cues.asked(message) or OVERVIEW
        names_one = bool(procedure_phrase) or self.search.names_a_procedure(message)
        if not names_one:
            current = self.catalog.get(current_code) if current_code else None
            if current is not None:
                return Turn(
                    answers.answer(current, aspect, current.code in self.submittable), current.code, None
                )
            return Turn([Reply(WHICH_PROCEDURE)], None, aspect, misses.WHICH_PROCEDURE)

        result = self._search(message, aspect) if message else None
        if procedure_phrase and (result is None or not result.matches):
            result = replace(self.search.search(procedure_phrase), confident=False)
        return self._turn_for(result, aspect, current_code)

    def online_class(self, message: str) -> Reply | None:
        """For "khai sinh có làm toàn trình được không": the class of the procedure the message names, when
        the search is sure of it; None otherwise (the general explanation is enough)."""
        if not message or not self.search.names_a_procedure(message):
            return None
        result = self.search.search(message)
        return answers.online_class(result.best) if result.confident and result.best else None

    def try_message(self, message: str, current_code: str | None = None) -> Turn | None:
        """A message the NLU could not classify: its answer (overview unless its words ask about one part) if
        it names a procedure we find."""
        if not message or not self.search.names_a_procedure(message):
            return None
        aspect = self.aspect_cues.asked(message) or OVERVIEW
        result = self._search(message, aspect)
        return self._turn_for(result, aspect, current_code) if result.matches else None

    def _search(self, message: str, aspect: str) -> SearchResult:
        """The search for a question, unless the words asking about a part ("lệ phí", "mấy ngày") are what
        made a procedure win, because its *name* holds them: "lệ phí khai sinh bao nhiêu" found "Khai quyết
        toán phí, lệ phí khác" first. Then the question without those words decides, when that procedure
        is not even among what the rest finds ("khai lệ phí trước bạ nhà đất" keeps its procedure)."""
        result = self.search.search(message)
        best = result.best
        if aspect == OVERVIEW or best is None or self.aspect_cues.asked(best.name) is None:
            return result
        bare = self.aspect_cues.without_cues(message)
        if bare == message or not self.search.names_a_procedure(bare):
            return result
        without = self.search.search(bare)
        if any(match.procedure.code == best.code for match in without.matches):
            return result
        return without

    def _turn_for(self, result: SearchResult, aspect: str, current_code: str | None) -> Turn:
        offered = tuple(match.procedure.code for match in result.matches)
        if result.outside_topic is not None:
            return Turn([self._outside(result.outside_topic)], current_code, None, misses.OUTSIDE, offered)
        if result.confident and result.best is not None:
            submittable = result.best.code in self.submittable
            return Turn(answers.answer(result.best, aspect, submittable), result.best.code, None)
        if result.sibling_question is not None:
            reply = self._which_sibling(result.sibling_question)
            codes = tuple(choice.code for choice in result.sibling_question.choices)
            return Turn([reply], current_code, aspect, misses.SIBLINGS, codes)
        if result.matches:
            candidates = answers.candidates(match.procedure for match in result.matches)
            candidates = replace(candidates, text=f"{candidates.text}\n{NOT_SURE.format(desk=self.desk)}")
            return Turn([candidates], current_code, aspect, misses.CANDIDATES, offered)
        return Turn([Reply(NOT_FOUND.format(desk=self.desk))], current_code, None, misses.NOT_FOUND)

    def _outside(self, topic: OutsideTopic) -> Reply:
        return Reply(OUTSIDE_CATALOGUE.format(topic=topic.topic, handled_by=topic.handled_by, desk=self.desk))

    def _which_sibling(self, question: SiblingQuestion) -> Reply:
        """The one question that tells close siblings apart, each answer a button leading to its procedure."""
        buttons = tuple(
            Button(choice.answer, answers.choose_payload(choice.code))
            for choice in question.choices
            if self.catalog.get(choice.code) is not None
        )
        return Reply(question.question, buttons)

    def choose(self, code: str, aspect: str | None) -> Turn:
        """The citizen picked a procedure (button) or an aspect button of a procedure."""
        procedure = self.catalog.get(code)
        if procedure is None:
            return Turn([Reply(NOT_FOUND.format(desk=self.desk))], None, None)
        return Turn(
            answers.answer(procedure, aspect or OVERVIEW, procedure.code in self.submittable),
            procedure.code,
            None,
        )
