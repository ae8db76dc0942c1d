"""Find the procedure a citizen means, from informal, diacritic-free, abbreviated or misspelt words.

Ranking, in two passes:
1. A sparse index of idf-weighted syllables and syllable pairs (diacritic-free) of every procedure gives a
   coarse score to all procedures at once (one sparse column sum), keeping the best few dozen. A word counts
   fully in the name's head, less in its parenthesised qualifiers, less again in its field and result, and
   least in its documents, conditions and target groups (weak evidence for the words citizens use about
   their situation). The name's acronyms ("thẻ BHYT") also stand for their words.
2. Those are re-ranked on how much of the question the name covers, how much of the name the question
   covers (so the shorter base procedure beats its longer variants; the cases a long name lists after "đối
   với" matter less, and a name listing several procedures, "A/ B", is covered by covering one), a penalty
   for variant markers the citizen did not ask for (data/catalog/variants.yml; a situation the citizen
   describes asks for one too: "sổ bị mất" asks "cấp lại", "chồng là người Hàn" asks "nước ngoài"), a penalty
   for specialists' procedures (customs) the question gives no sign of, and small bonuses: the question
   names the action the name starts with ("giải thể ..."), the commune's home level (then the next level),
   citizens among the users, an age the citizen gave that fits the name's age group.
The question is cleaned first: filler words removed (data/catalog/query_words.yml; a word typed with
diacritics, or one forming a catalogue word pair, is not taken for a filler word that folds the same),
misspelt syllables corrected to the nearest catalogue syllable (a word typed with diacritics no catalogue word
has is taken for a slip: "hộ chiêu" still matches the synonym "hộ chiếu"), and searched both as typed and with
citizens' words rewritten to the catalogue's (data/catalog/synonyms.yml); the better reading wins.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from rapidfuzz import fuzz, process
from scipy import sparse

from bot.catalog.model import Procedure
from bot.catalog.outside import OutsideTopic
from bot.catalog.phrases import PhraseTable, Words, tokens_of, typed_with_diacritics
from bot.catalog.situations import SiblingQuestion
from bot.settings import PROJECT_ROOT
from bot.text.normalize import fold, quick_fold

DATA_DIR = PROJECT_ROOT / "data" / "catalog"
_NON_WORD = re.compile(r"[^\w]+")
_NAME_PREFIX = re.compile(r"^thu tuc\s+")
_PARENTHESISED = re.compile(r"\([^()]*\)")
# Where a name's cases start: "Cấp giấy phép ... đối với công trình cấp III, cấp IV".
_QUALIFIER_START = re.compile(r"\s(?=(?:doi voi|trong truong hop|thuc hien tai)\s)")
_TEXT_BREAK = "zzbreakzz"
_ASKED = "zzasked"
_LEADING_VERB = re.compile(r"^(?:dang ky |de nghi |thu tuc )+")
_ALTERNATIVES = re.compile(r";|(?<!\d)/(?!\s*\d)")
_ACRONYM = re.compile(r"\b[A-ZĐ]{2,}\b")
COARSE_CANDIDATES = 60
# Confidence, calibrated on both dev sets (424 questions): answer directly for 52.6% of questions, right
# 94.6% of the time; otherwise offer the candidates. (Cover 0.6 / score 85 gave 97.7% but answered only
# 30.7% directly: citizens would be asked "which one?" most of the time.) The best match's name must cover
# part of the question's words, and either score high and lead, or lead the next one clearly. The same
# procedure at another level ("(thực hiện tại cấp tỉnh)") next to it is for the citizen to choose.
CONFIDENT_COVER = 0.3
CONFIDENT_SCORE = 70.0
CONFIDENT_MARGIN = 3.0
CLEAR_LEAD_SCORE = 50.0
CLEAR_LEAD_MARGIN = 8.0
MIN_SCORE = 30.0
# How much of the question the name covers matters most; how much of the name the question covers
# orders a base procedure above its longer variants.
# Words of a procedure's field and result count, but less than words of its name.
CONTEXT_WEIGHT = 0.35
# The procedure's documents, conditions and target groups: weak evidence, for the words citizens use about
# their situation ("giấy chứng sinh", "thuyền trưởng") rather than the procedure's name.
DETAIL_WEIGHT = 0.12
# A name's parenthesised part qualifies it ("(thực hiện tại cấp tỉnh)", a list of cases): its words count
# less, and the question need not cover them.
QUALIFIER_WEIGHT = 0.5
# A name starts with its action ("Giải thể doanh nghiệp", "Bổ nhiệm ..."): a question naming that action
# means this procedure more than one that only mentions the words further on.
LEADING_ACTION_BONUS = 4.0
# The cases a long name lists after its head ("... đối với hộ gia đình, cá nhân") count fully when the
# citizen names them, but a question need not cover them as much as the head.
MIN_HEAD_WORDS = 5
CASES_WEIGHT = 0.5
# The bot serves citizens: a procedure citizens can file goes before one only organisations can.
CITIZEN_GROUP = "Công dân Việt Nam"
CITIZEN_BONUS = 2.0
# A citizen who gives an age ("con em 15 tuổi") means the procedure for that age group.
AGE_FIT = 5.0
_AGE = re.compile(r"\b(\d{1,3})\s*tuoi\b")
# Rare words (an action such as "cải chính", "gia hạn") decide more than common ones.
IDF_EXPONENT = 1.0
QUESTION_WEIGHT = 0.7
NAME_WEIGHT = 0.3
NAME_EXPONENT = 0.5
VARIANT_PENALTY = 7.0
ASKED_VARIANT_BONUS = 3.0  # the citizen named the variant ("kết hôn với người nước ngoài")
# The citizen described a situation asking for the variant ("sổ bị mất" asks "cấp lại") without its words:
# the variant's name covers the question less, so its bonus is larger.
SITUATION_BONUS = 12.0
# When synonyms rewrote the question, its literal reading counts a little less than the rewritten one.
LITERAL_READING_FACTOR = 0.97
HOME_LEVEL_BONUS = 4.0
# A procedure of a specialists' field (customs) when the citizen used none of the field's words.
SPECIALIST_PENALTY = 4.0
# Below the home level's procedures, the next level's ("Cấp tỉnh" for a commune) go before farther ones.
LEVELS = ("Cấp xã", "Cấp tỉnh", "Cấp bộ")
NEAR_LEVEL_BONUS = 2.0


def _clean(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", fold(text)).split())


def _fold_catalogue(text: str) -> str:
    """fold for the catalogue's own (already normalised) text, punctuation kept: much faster."""
    return quick_fold(text)


def _clean_catalogue(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", _fold_catalogue(text)).split())


def _clean_each(texts: list[str]) -> list[str]:
    """_clean_catalogue of each text, cleaned in one go (long catalogue texts are many)."""
    cleaned = _clean_catalogue(f" {_TEXT_BREAK} ".join(text for text in texts if text))
    return [text.strip() for text in cleaned.split(_TEXT_BREAK) if text.strip()]


def _age_range(name: str) -> tuple[int | None, int | None]:
    """The ages a cleaned name is for: "duoi 14 tuoi" -> (None, 14), "tu du 14 tuoi" -> (14, None)."""
    below = re.search(r"duoi (\d+) tuoi", name)
    from_ = re.search(r"tu (?:du )?(\d+) tuoi", name)
    return (int(from_.group(1)) if from_ else None, int(below.group(1)) if below else None)


def _name_alternatives(name: str, actions: set[str]) -> list[str]:
    """The procedures a name lists, separated by ";" or "/" ("Khai quyết toán thuế/ Hoàn thuế ..."): a part
    that does not start with an action some procedure name starts with continues the one before ("hộ gia
    đình/cá nhân kinh doanh"), and a "/" inside a number does not separate."""
    parts: list[str] = []
    for part in _ALTERNATIVES.split(_PARENTHESISED.sub(" ", name)):
        if parts and _leading_action(part) not in actions:
            parts[-1] += f" {part}"
        elif part.strip():
            parts.append(part)
    return parts or [name]


_BASE_LISTED = re.compile(r"^(?:thu tuc )?(?:cap|dang ky), ")


def _listed_with_base(folded_name: str) -> str:
    """The actions a name lists with its base action ("cấp, gia hạn, cấp lại chứng chỉ" -> "cap gia han cap
    lai"), or "" when it does not start with a base action and a comma."""
    if not _BASE_LISTED.match(folded_name):
        return ""
    words = folded_name.split()[:8]
    last = max(index for index, word in enumerate(words) if word.endswith(","))
    return _clean_catalogue(" ".join(words[: last + 3]))


def _leading_action(name: str) -> str | None:
    """The two words a name starts with, when its first clause has two: "Giải thể doanh nghiệp, ..." ->
    "giai the"; "Cấp, cấp lại ..." -> None."""
    words = _NAME_PREFIX.sub("", _clean_catalogue(re.split(r"[,;:/(]", name)[0])).split()
    return " ".join(words[:2]) if len(words) >= 2 else None


@dataclass(frozen=True)
class Lexicon:
    """The data files that tune the search: synonyms, filler words, variant markers."""

    synonyms: tuple[tuple[str, str], ...]  # (citizen's phrase, catalogue's phrase)
    filler: tuple[str, ...]
    variant_markers: tuple[str, ...]
    aspect_words: tuple[str, ...] = ()
    follow_up_words: tuple[str, ...] = ()
    situations: tuple[tuple[str, str], ...] = ()  # (citizen's situation, the variant marker it asks for)
    leading_markers: tuple[str, ...] = ()  # variant markers only where a name starts with them
    specialist_fields: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (field, the words that ask for it)

    @classmethod
    def load(cls, directory: Path = DATA_DIR) -> Lexicon:
        synonyms_file = yaml.safe_load((directory / "synonyms.yml").read_text(encoding="utf-8"))
        words = yaml.safe_load((directory / "query_words.yml").read_text(encoding="utf-8"))
        variants = yaml.safe_load((directory / "variants.yml").read_text(encoding="utf-8"))
        variants["markers"] = [*variants["markers"], *variants.get("leading_markers", ())]
        entries = synonyms_file["synonyms"]
        return cls(
            synonyms=tuple(
                (variant, entry["canonical"]) for entry in entries for variant in entry["variants"]
            ),
            filler=tuple(words["filler"]),
            variant_markers=tuple(" ".join(Words.of(marker).folded) for marker in variants["markers"]),
            leading_markers=tuple(
                " ".join(Words.of(marker).folded) for marker in variants.get("leading_markers", ())
            ),
            aspect_words=tuple(words.get("aspects", ())),
            specialist_fields=tuple(
                (field, tuple(signals)) for field, signals in (words.get("specialist_fields") or {}).items()
            ),
            follow_up_words=tuple(words.get("follow_up", ())),
            situations=tuple(
                (situation, marker)
                for marker, situations in (variants.get("situations") or {}).items()
                for situation in situations
            )
            + tuple(
                (f"{word} {country}", "nước ngoài")
                for word in variants.get("foreign_country_words", ())
                for country in variants.get("foreign_countries", ())
            ),
        )


@dataclass(frozen=True)
class Match:
    procedure: Procedure
    score: float  # 0–100


@dataclass(frozen=True)
class SearchResult:
    query: str
    matches: tuple[Match, ...]  # best first
    confident: bool  # the first match is the answer; otherwise offer the matches as choices
    sibling_question: SiblingQuestion | None = None  # asks which of close siblings the citizen means
    outside_topic: OutsideTopic | None = (
        None  # a matter the catalogue lacks (data/catalog/outside_catalogue.yml)
    )

    @property
    def best(self) -> Procedure | None:
        return self.matches[0].procedure if self.matches else None


def _features(tokens: list[str]) -> list[str]:
    return tokens + [f"{first} {second}" for first, second in itertools.pairwise(tokens)]


class ProcedureSearch:
    def __init__(self, procedures: Sequence[Procedure], lexicon: Lexicon, home_level: str | None = "Cấp xã"):
        self.procedures = list(procedures)
        self.lexicon = lexicon
        self.home_level = home_level
        self._synonyms = PhraseTable(lexicon.synonyms, known=self._known_words())
        self._filler = PhraseTable(((phrase, "") for phrase in lexicon.filler), strict=True)
        self._not_a_procedure = PhraseTable(
            ((phrase, "") for phrase in (*lexicon.filler, *lexicon.aspect_words, *lexicon.follow_up_words)),
            strict=True,
        )
        # The catalogue's own acronyms ("thẻ BHYT", "công ty TNHH") also stand for their words.
        self._acronyms = {
            " ".join(Words.of(variant).folded): " ".join(Words.of(canonical).folded)
            for variant, canonical in lexicon.synonyms
            if len(Words.of(variant).folded) == 1
        }
        self._filler_words = {
            " ".join(Words.of(phrase).folded)
            for phrase in lexicon.filler
            if len(Words.of(phrase).folded) == 1
        }
        # A situation the citizen describes asks for a variant without naming it ("bị mất" -> "cấp lại").
        marker_index = {marker: index for index, marker in enumerate(lexicon.variant_markers)}
        asks: dict[
            str, list[str]
        ] = {}  # a situation may ask for several ("bị mất": "cấp lại", "đăng ký lại")
        for situation, marker in lexicon.situations:
            asks.setdefault(situation, []).append(
                f"{_ASKED}{marker_index[' '.join(Words.of(marker).folded)]}"
            )
        self._situations = PhraseTable((situation, " ".join(tokens)) for situation, tokens in asks.items())
        self._specialist_signals = [
            {" ".join(Words.of(signal).folded) for signal in signals}
            for _, signals in lexicon.specialist_fields
        ]
        self._folded_names = [_fold_catalogue(procedure.name) for procedure in self.procedures]
        self._names = [_NAME_PREFIX.sub("", _clean_catalogue(name)) for name in self._folded_names]
        # A name without its parenthesised qualifiers (the level it is done at, a list of cases).
        self._unqualified = [_clean_catalogue(_PARENTHESISED.sub(" ", name)) for name in self._folded_names]
        self._build_index()

    def _known_words(self) -> frozenset[str]:
        """Every word, with its diacritics, of the catalogue's names and of the citizens' wordings we know."""
        names = " ".join(procedure.name for procedure in self.procedures)  # already normalised
        texts = [phrase for pair in self.lexicon.synonyms for phrase in pair]
        texts += [*self.lexicon.filler, *self.lexicon.aspect_words, *self.lexicon.follow_up_words]
        return frozenset(_NON_WORD.sub(" ", unicodedata.normalize("NFC", names).lower()).split()) | frozenset(
            Words.of(" ".join(texts)).typed
        )

    def _name_parts(self, row: int) -> tuple[str, str, str, str]:
        """The name's head, the cases it applies to ("... đối với hộ gia đình, cá nhân"), its parenthesised
        qualifiers, and the words its acronyms stand for."""
        name, folded = self.procedures[row].name, self._folded_names[row]
        expanded = [self._acronyms.get(_clean_catalogue(acronym)) for acronym in _ACRONYM.findall(name)]
        qualifiers = " ".join(_clean_catalogue(part) for part in _PARENTHESISED.findall(folded))
        head = _NAME_PREFIX.sub("", _clean_catalogue(_PARENTHESISED.sub(" ", folded)))
        cases = ""
        for split in _QUALIFIER_START.finditer(head):
            if len(head[: split.start()].split()) >= MIN_HEAD_WORDS:
                head, cases = head[: split.start()], head[split.end() :]
                break
        return head, cases, qualifiers, " ".join(text for text in expanded if text)

    def _context(self, procedure: Procedure) -> list[str]:
        """Words beside the name that citizens also use for a procedure: its field and its result."""
        return _clean_each([*procedure.fields, procedure.result])

    def _details(self, procedure: Procedure) -> list[str]:
        """What the procedure asks for and whom it serves: documents, conditions, target groups."""
        texts = [document.name for document in procedure.documents]
        return _clean_each([*texts, procedure.conditions, *procedure.target_groups])

    def _build_index(self) -> None:
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        columns: list[int] = []
        strengths: list[float] = []
        name_weight_parts: list[tuple[int, int, float]] = []  # row, column, weight of the name's own words
        leading: list[tuple[str, ...]] = []
        part_rows: list[int] = []  # the row of each alternative of a name that lists several
        part_cells: list[tuple[int, int]] = []  # part, column
        actions = {_leading_action(name) for name in self._folded_names} - {None}
        for row, procedure in enumerate(self.procedures):
            head, cases, qualifiers, expanded = self._name_parts(row)
            # Each word keeps its strongest place: the name, then the acronyms' words, field and result,
            # then the details.
            weights: dict[str, float] = {}
            tiers = (
                (DETAIL_WEIGHT, self._details(procedure)),
                (CONTEXT_WEIGHT, self._context(procedure)),
                (QUALIFIER_WEIGHT, [qualifiers]),
                (1.0, [expanded, cases, head]),
            )
            for weight, texts in tiers:
                for text in texts:
                    weights.update(dict.fromkeys(_features(text.split()), weight))
            in_name = dict.fromkeys(_features(qualifiers.split()), QUALIFIER_WEIGHT)
            in_name.update(dict.fromkeys(_features(cases.split()), CASES_WEIGHT))
            in_name.update(dict.fromkeys(_features(head.split()), 1.0))
            columns.extend(vocabulary.setdefault(feature, len(vocabulary)) for feature in weights)
            rows.extend(itertools.repeat(row, len(weights)))
            strengths.extend(weights.values())
            name_weight_parts.extend(
                (row, vocabulary[feature], weight) for feature, weight in in_name.items()
            )
            parts = _name_alternatives(self._folded_names[row], actions)
            leading.append(tuple(lead for lead in map(_leading_action, parts) if lead))
            if len(parts) > 1:
                for part in parts:
                    part_features = dict.fromkeys(
                        _features(_NAME_PREFIX.sub("", _clean_catalogue(part)).split())
                    )
                    part_cells.extend(
                        (len(part_rows), vocabulary[feature])
                        for feature in part_features
                        if feature in vocabulary
                    )
                    part_rows.append(row)
        row_array = np.array(rows, dtype=np.int64)
        column_array = np.array(columns, dtype=np.int64)
        strength = np.array(strengths, dtype=np.float64)
        # Rarity is judged on names, fields and results: long documents would make every word common.
        name_counts = np.bincount(column_array[strength >= QUALIFIER_WEIGHT], minlength=len(vocabulary))
        main_counts = np.bincount(column_array[strength >= CONTEXT_WEIGHT], minlength=len(vocabulary))
        counts = np.where(main_counts > 0, main_counts, np.bincount(column_array, minlength=len(vocabulary)))
        idf = (np.log((1 + len(self.procedures)) / (1 + counts)) + 1.0) ** IDF_EXPONENT
        self._vocabulary = vocabulary
        self._idf = idf
        shape = (len(self.procedures), len(vocabulary))
        self._matrix = sparse.csc_matrix(
            (idf[column_array] * strength, (row_array, column_array)), shape=shape
        )
        name_weight = np.zeros(len(self.procedures))
        for row, column, weight in name_weight_parts:
            name_weight[row] += weight * idf[column]
        self._name_weight = np.maximum(name_weight, 1e-9)
        self._main_words = {
            feature for feature, column in vocabulary.items() if " " not in feature and main_counts[column]
        }
        self._syllables = sorted(self._main_words)
        self._leading = leading
        part_columns = np.array([column for _, column in part_cells], dtype=np.int64)
        part_matrix = sparse.csc_matrix(
            (idf[part_columns], ([part for part, _ in part_cells], part_columns)),
            shape=(len(part_rows), len(vocabulary)),
        )
        self._parts = part_matrix
        self._part_rows = np.array(part_rows, dtype=np.int64)
        self._part_weight = np.maximum(np.asarray(part_matrix.sum(axis=1)).ravel(), 1e-9)
        self._name_pairs = {
            feature for feature, column in vocabulary.items() if " " in feature and name_counts[column]
        }
        # An unknown word weighs like a typical catalogue syllable.
        self._unknown_weight = float(np.median(idf[[vocabulary[s] for s in self._syllables]]))
        self._home = np.array([self.home_level in procedure.levels for procedure in self.procedures])
        self._age_ranges = [_age_range(name) for name in self._names]
        citizen = np.array([CITIZEN_GROUP in procedure.target_groups for procedure in self.procedures])
        # What a procedure earns whatever the question: the commune's home level, citizens as its users.
        # The specialists' field of each procedure (index into lexicon.specialist_fields), or -1.
        specialist = {field: index for index, (field, _) in enumerate(self.lexicon.specialist_fields)}
        self._specialist = np.array(
            [
                next((specialist[f] for f in procedure.fields if f in specialist), -1)
                for procedure in self.procedures
            ]
        )
        near = self._near_levels()
        near_level = np.array([bool(near & set(procedure.levels)) for procedure in self.procedures])
        self._prior = (
            HOME_LEVEL_BONUS * self._home
            + NEAR_LEVEL_BONUS * (near_level & ~self._home)
            + CITIZEN_BONUS * citizen
        )
        markers = self.lexicon.variant_markers
        self._marker_parts = [
            {index for index, part in enumerate(markers) if part != marker and f" {part} " in f" {marker} "}
            for marker in markers
        ]
        leading = set(self.lexicon.leading_markers)

        def marks(name: str, marker: str) -> bool:
            if marker in leading:
                return f"{_LEADING_VERB.sub('', name)} ".startswith(f"{marker} ")
            return f" {marker} " in f" {name} "

        # "Cấp, cấp lại, cấp đổi chứng chỉ ...": the base procedure listed with its variants is no variant.
        self._markers = [
            tuple(
                index
                for index, marker in enumerate(self.lexicon.variant_markers)
                if marks(name, marker) and f" {marker} " not in f" {_listed_with_base(folded)} "
            )
            for name, folded in zip(self._names, self._folded_names, strict=True)
        ]

    def _near_levels(self) -> set[str]:
        """The levels next to the home level ("Cấp tỉnh" for "Cấp xã")."""
        if self.home_level not in LEVELS:
            return set()
        index = LEVELS.index(self.home_level)
        return {LEVELS[near] for near in (index - 1, index + 1) if 0 <= near < len(LEVELS)}

    # -- the question --------------------------------------------------------------------------------

    def _correct(self, token: str) -> str | None:
        """The catalogue syllable the citizen meant, or None for a word no procedure name uses."""
        if token in self._vocabulary:
            return token
        # Short syllables are too close to each other to guess ("abc" is not "abtc").
        if len(token) < 4 or token.isdigit():
            return None
        best = process.extractOne(token, self._syllables, scorer=fuzz.ratio, score_cutoff=80)
        return best[0] if best else None

    def readings(self, query: str) -> list[tuple[list[str | None], float]]:
        """The question's syllables with synonyms rewritten to the catalogue's words, and as typed; filler
        removed, typos corrected. None stands for a word no procedure name contains (it lowers the
        confidence, not the ranking)."""
        typed = tokens_of(Words.of(query))
        rewritten, any_synonym = self._synonyms.apply(typed)
        literal_weight = LITERAL_READING_FACTOR if any_synonym else 1.0
        readings: list[tuple[list[str | None], float]] = []
        plain = not typed_with_diacritics(typed)
        for tokens, weight in ((rewritten, 1.0), (typed, literal_weight)):
            kept, _ = self._filler.apply(self._keep_catalogue_pairs(tokens) if plain else tokens)
            reading = [self._correct(folded) for _, folded, _ in kept]
            if any(reading) and all(reading != seen for seen, _ in readings):
                readings.append((reading, weight))
        return readings

    def _keep_catalogue_pairs(self, tokens: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
        """Without diacritics a filler word may be a catalogue word ("can" is "cần" or "căn", "nha" is "nha"
        or "nhà"): keep it where it and a neighbour form a pair of words some procedure name uses
        ("can cuoc", "xin phep", "nha o")."""
        kept = list(tokens)
        for index, (typed, folded, protected) in enumerate(tokens):
            if protected or folded not in self._filler_words:
                continue
            before = tokens[index - 1][1] if index else None
            after = tokens[index + 1][1] if index + 1 < len(tokens) else None
            if any(
                pair in self._name_pairs
                for pair in (f"{before} {folded}" if before else "", f"{folded} {after}" if after else "")
            ):
                kept[index] = (typed, folded, True)
        return kept

    def names_a_procedure(self, message: str) -> bool:
        """False for a follow-up about the procedure under discussion ("còn lệ phí thì sao?", "mất mấy ngày"):
        nothing is left that a procedure name contains once question and follow-up words are removed."""
        tokens, rewritten = self._synonyms.apply(tokens_of(Words.of(message)))
        if rewritten:
            return True
        kept, _ = self._not_a_procedure.apply(tokens)
        # Words only a procedure's documents use ("ảnh", "bản sao") do not name a procedure.
        return any(self._correct(folded) in self._main_words for _, folded, _ in kept)

    def content_words(self, message: str) -> str:
        """The message without its question and follow-up words ("mất bao lâu" -> ""), folded."""
        tokens, _ = self._synonyms.apply(tokens_of(Words.of(message)))
        kept, _ = self._not_a_procedure.apply(tokens)
        return " ".join(folded for _, folded, _ in kept)

    # -- ranking -------------------------------------------------------------------------------------

    def asked_variants(self, query: str) -> frozenset[int]:
        """The variant markers the situation the citizen describes asks for ("sổ bị mất" -> "cấp lại")."""
        rewritten, found = self._situations.apply(tokens_of(Words.of(query)))
        if not found:
            return frozenset()
        return frozenset(
            int(folded.removeprefix(_ASKED)) for _, folded, _ in rewritten if folded.startswith(_ASKED)
        )

    def _score(
        self, reading: list[str | None], ages: tuple[int, ...] = (), situation: frozenset[int] = frozenset()
    ) -> dict[int, tuple[float, float]]:
        """Each candidate's score and how much of the question its name, field and result cover."""
        known = [token for token in reading if token]
        features = [feature for feature in dict.fromkeys(_features(known)) if feature in self._vocabulary]
        if not features:
            return {}
        columns = [self._vocabulary[feature] for feature in features]
        overlap = np.asarray(self._matrix[:, columns].sum(axis=1)).ravel()
        # A name listing alternatives ("Khai quyết toán thuế/ Hoàn thuế ...") is covered by covering one.
        part_cover = np.zeros(len(self.procedures))
        if len(self._part_rows):
            part_overlap = np.asarray(self._parts[:, columns].sum(axis=1)).ravel()
            np.maximum.at(part_cover, self._part_rows, np.minimum(part_overlap / self._part_weight, 1.0))
        unknown_words = len(reading) - len(known)
        query_weight = float(self._idf[columns].sum()) + unknown_words * self._unknown_weight
        coarse = overlap / query_weight + 0.15 * overlap / self._name_weight
        top = np.argpartition(-coarse, min(COARSE_CANDIDATES, len(coarse) - 1))[:COARSE_CANDIDATES]
        top = top[overlap[top] > 0]
        padded = f" {' '.join(known)} "
        named = self._with_longer_markers(
            {index for index, marker in enumerate(self.lexicon.variant_markers) if f" {marker} " in padded}
        )
        # A variant the citizen's situation asks for ("sổ bị mất": "cấp lại") without naming it.
        described = set(situation).union(*(self._marker_parts[index] for index in situation))
        described = self._with_longer_markers(described) - named
        asked = named | described
        pairs = {f"{first} {second}" for first, second in itertools.pairwise(known)}
        question_cover = overlap[top] / query_weight
        name_cover = np.maximum(np.minimum(overlap[top] / self._name_weight[top], 1.0), part_cover[top])
        base = 100 * (QUESTION_WEIGHT * question_cover + NAME_WEIGHT * name_cover**NAME_EXPONENT)
        base += self._prior[top]
        scores = {}
        for row, score, cover in zip(top.tolist(), base.tolist(), question_cover.tolist(), strict=True):
            markers = self._markers[row]
            if markers:
                named = sum(1 for marker in markers if marker in asked)
                score += ASKED_VARIANT_BONUS * named - VARIANT_PENALTY * (len(markers) - named)
                if any(marker in described for marker in markers):
                    score += SITUATION_BONUS - ASKED_VARIANT_BONUS
            if any(lead in pairs for lead in self._leading[row]):
                score += LEADING_ACTION_BONUS
            if ages:
                score += self._age_fit(row, ages)
            scores[row] = score, cover
        return scores

    def _confident(self, kept: list[tuple[int, float]], cover: float) -> bool:
        """Whether the best match is the answer (see CONFIDENT_COVER)."""
        (row, score), margin = kept[0], kept[0][1] - kept[1][1] if len(kept) > 1 else math.inf
        if cover < CONFIDENT_COVER:
            return False
        if len(kept) > 1 and self._unqualified[row] == self._unqualified[kept[1][0]]:
            return False  # the same procedure at two levels
        return (score >= CONFIDENT_SCORE and margin >= CONFIDENT_MARGIN) or (
            score >= CLEAR_LEAD_SCORE and margin >= CLEAR_LEAD_MARGIN
        )

    def _specialist_penalty(self, query: str) -> list[float]:
        """For each specialists' field: its procedures' penalty, none when the citizen used its words."""
        padded = f" {' '.join(Words.of(query).folded)} "
        return [
            0.0 if any(f" {signal} " in padded for signal in signals) else SPECIALIST_PENALTY
            for signals in self._specialist_signals
        ]

    def _with_longer_markers(self, markers: set[int]) -> set[int]:
        """A longer marker holding one the citizen named is named too ("người nước ngoài" names "có yếu tố
        nước ngoài")."""
        return markers | {index for index, parts in enumerate(self._marker_parts) if parts & markers}

    def _age_fit(self, row: int, ages: tuple[int, ...]) -> float:
        """A name for an age group ("cho người dưới 14 tuổi") fits a citizen who gave an age in it."""
        low, high = self._age_ranges[row]
        if not ages or (low is None and high is None):
            return 0.0
        fits = any((low is None or age >= low) and (high is None or age < high) for age in ages)
        return AGE_FIT if fits else -AGE_FIT

    def scores(self, query: str) -> dict[int, tuple[float, float]]:
        """Every candidate row's lexical score and how much of the question its name covers."""
        best: dict[int, tuple[float, float]] = {}
        ages = tuple(int(age) for age in _AGE.findall(fold(query)))
        situation = self.asked_variants(query)
        penalty = self._specialist_penalty(query)
        for reading, weight in self.readings(query):
            for row, (score, cover) in self._score(reading, ages, situation).items():
                score -= penalty[self._specialist[row]] if self._specialist[row] >= 0 else 0.0
                if score * weight > best.get(row, (-math.inf, 0.0))[0]:
                    best[row] = score * weight, cover
        return best

    def is_confident(self, ranked: list[tuple[int, float]], cover: float) -> bool:
        """The lexical search's own rule for a direct answer, on its ranking (row, score), best first."""
        kept = [(row, score) for row, score in ranked if score >= MIN_SCORE]
        return bool(kept) and self._confident(kept, cover)

    def same_name(self, row: int, other: int) -> bool:
        """The same procedure at two levels ("... (thực hiện tại cấp tỉnh)")."""
        return self._unqualified[row] == self._unqualified[other]

    def search(self, query: str, limit: int = 5) -> SearchResult:
        scored = self.scores(query)
        # Ranked and judged on the full score: bonuses may lift several above 100, shown as 100.
        ranked = sorted(
            ((row, score) for row, (score, _) in scored.items()),
            key=lambda item: (-item[1], self.procedures[item[0]].code),
        )
        kept = [(row, score) for row, score in ranked[:limit] if score >= MIN_SCORE]
        confident = bool(kept) and self._confident(kept, scored[kept[0][0]][1])
        matches = tuple(Match(self.procedures[row], round(min(score, 100.0), 1)) for row, score in kept)
        return SearchResult(query, matches, confident)
