"""Vietnamese NLU components for Rasa 3.6: a normaliser and an underthesea word tokenizer.

Both are thin adapters over `bot.text`. The message text itself is never rewritten, so entity offsets in
training data and in predictions keep pointing at what the user typed; the normaliser stores the cleaned
text and its offset map beside it, and the tokenizer emits word tokens whose `text` is the normalised word,
whose `lemma` is its diacritic-free view (featurised by a second CountVectorsFeaturizer with
`use_lemma: True`) and whose start/end are offsets into the original text.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.text.normalize import NormalizedText, normalize
from bot.text.tokenize import tokenize_normalized

NORMALIZED_TEXT = "normalized_text"
NORMALIZED_STARTS = "normalized_starts"
NORMALIZED_ENDS = "normalized_ends"


def _store(message: Message, normalized: NormalizedText) -> None:
    message.set(NORMALIZED_TEXT, normalized.text, add_to_output=True)
    message.set(NORMALIZED_STARTS, list(normalized.starts))
    message.set(NORMALIZED_ENDS, list(normalized.ends))


def _stored(message: Message) -> NormalizedText | None:
    text = message.get(NORMALIZED_TEXT)
    if text is None:
        return None
    return NormalizedText(text, tuple(message.get(NORMALIZED_STARTS)), tuple(message.get(NORMALIZED_ENDS)))


# Registered in the tokenizer slot because it must run before tokenisation; it is not a Tokenizer subclass,
# so Rasa's "one tokenizer only" check still sees exactly one.
@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseNormalizer(GraphComponent):
    """NFC, unified tone placement, control characters and extra whitespace removed."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseNormalizer:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                _store(message, normalize(text))
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    """Word tokens from underthesea's segmentation, with offsets into the original text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute)
        normalized = _stored(message) if attribute == TEXT else None
        if (
            normalized is None
        ):  # other attributes (bot utterances in stories) or no normaliser in the pipeline
            normalized = normalize(text)
        # Training examples: never glue syllables across an annotated entity's boundary.
        boundaries = [
            offset
            for entity in (message.get(ENTITIES) or [])
            if attribute == TEXT
            for offset in (entity["start"], entity["end"])
        ]
        # Punctuation and emoji carry little for intent classification, as in Rasa's WhitespaceTokenizer;
        # a message made only of them ("??", "👍") becomes one token so that it is still featurised.
        tokens = [
            Token(word.text, word.start, end=word.end, lemma=word.folded)
            for word in tokenize_normalized(normalized, boundaries)
            if any(char.isalnum() for char in word.text)
        ]
        if not tokens:
            tokens = [Token(normalized.text or text, 0, end=len(text), lemma=normalized.text or text)]
        return self._apply_token_pattern(tokens)
