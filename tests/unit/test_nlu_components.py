"""The Rasa graph components, driven the way Rasa drives them (create, process / process_training_data)."""

import unicodedata

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.components import NORMALIZED_TEXT, VietnameseNormalizer, VietnameseTokenizer


def create(component_class, tmp_path, config=None):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    full_config = {**component_class.get_default_config(), **(config or {})}
    return component_class.create(full_config, storage, Resource("x"), context)


def pipeline(tmp_path):
    return create(VietnameseNormalizer, tmp_path), create(VietnameseTokenizer, tmp_path)


def test_text_is_left_untouched_and_normalised_copy_stored(tmp_path):
    normalizer, tokenizer = pipeline(tmp_path)
    original = unicodedata.normalize("NFD", "  Dịch vụ công  toàn trình là gì?? ")
    message = Message(data={TEXT: original})
    normalizer.process([message])
    tokenizer.process([message])
    assert message.get(TEXT) == original
    assert message.get(NORMALIZED_TEXT) == "Dịch vụ công toàn trình là gì??"
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert [token.text for token in tokens][:2] == ["Dịch_vụ", "công"]
    for token in tokens:
        assert unicodedata.normalize("NFC", original[token.start : token.end]).replace(" ", "_") == token.text
    assert all(token.lemma.isascii() for token in tokens)


def test_tokenizer_works_without_the_normalizer(tmp_path):
    tokenizer = create(VietnameseTokenizer, tmp_path)
    message = Message(data={TEXT: "xin chào"})
    tokenizer.process([message])
    assert [token.text for token in message.get(TOKENS_NAMES[TEXT])] == ["xin", "chào"]


def test_entity_annotations_stay_on_token_boundaries(tmp_path):
    normalizer, tokenizer = pipeline(tmp_path)
    text = "dịch vụ công mức độ 4 là gì"
    example = Message(
        data={
            TEXT: text,
            INTENT: "ask_service_levels",
            ENTITIES: [{"start": 13, "end": 21, "value": "mức độ 4", "entity": "service_level"}],
        }
    )
    data = TrainingData([example])
    normalizer.process_training_data(data)
    tokenizer.process_training_data(data)
    boundaries = {(token.start, token.end) for token in example.get(TOKENS_NAMES[TEXT])}
    starts = {start for start, _ in boundaries}
    ends = {end for _, end in boundaries}
    assert 13 in starts and 21 in ends


def test_punctuation_only_and_empty_messages_still_get_a_token(tmp_path):
    normalizer, tokenizer = pipeline(tmp_path)
    for text in ["???", "👍", "   "]:
        message = Message(data={TEXT: text})
        normalizer.process([message])
        tokenizer.process([message])
        assert len(message.get(TOKENS_NAMES[TEXT])) == 1


def test_long_message_is_tokenized(tmp_path):
    normalizer, tokenizer = pipeline(tmp_path)
    text = ("cho em hỏi thủ tục đăng ký khai sinh cần giấy tờ gì ạ. " * 100)[:5000]
    message = Message(data={TEXT: text})
    normalizer.process([message])
    tokenizer.process([message])
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert len(tokens) > 800
    assert tokens[-1].end <= len(text)
