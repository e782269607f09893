"""Picks the answer for an ``faq/<name>`` question with the intent classifier's own recipe.

Rasa's ResponseSelector is a DIET network in TensorFlow: it took 46 s of every training and,
worse, 26 s of every model load (TensorFlow traces its graph on a dummy batch), so each Rasa
start, hot swap and candidate comparison paid for it. This selector is a logistic regression over
the same L2-normalised sentence embedding and n-gram counts that pick the intent
(:class:`BalancedLogisticRegressionClassifier`), trained on the retrieval intent's examples with
their ``faq/<name>`` labels. It writes the ResponseSelector's output shape into the message
(``response_selector.<retrieval intent>.response.intent_response_key``/``utter_action`` and a
``ranking``), so Rasa's ``utter_faq`` action, the digression handler and the CX log read it as
before. Confidences are the regression's probabilities over the FAQ answers.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_classifier import BalancedLogisticRegressionClassifier

logger = logging.getLogger(__name__)

SELECTOR_PROPERTY = "response_selector"  # Rasa's RESPONSE_SELECTOR_PROPERTY_NAME
STATE_FILE = "faq_selector.json"


def utter_action(intent_response_key: str) -> str:
    """``faq/gift_wrap`` -> ``utter_faq/gift_wrap`` (Rasa's template key for it)."""
    return f"utter_{intent_response_key}"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqAnswerSelector(BalancedLogisticRegressionClassifier):
    """Response selection for one retrieval intent, without TensorFlow."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **BalancedLogisticRegressionClassifier.get_default_config(),
            "retrieval_intent": "faq",
            "ranking_length": LABEL_RANKING_LENGTH,
        }

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.all_retrieval_intents: list[str] = []
        self.responses: dict[str, list[dict[str, Any]]] = {}
        self.only_label: str | None = None  # one FAQ answer only: nothing to choose between

    def _examples(self, training_data: TrainingData) -> list[Message]:
        wanted = self.config["retrieval_intent"]
        return [
            example
            for example in training_data.intent_examples
            if example.get(INTENT) == wanted
            and example.get(INTENT_RESPONSE_KEY)
            and example.get(TEXT)
        ]

    def train(self, training_data: TrainingData) -> Resource:
        self.all_retrieval_intents = sorted(training_data.retrieval_intents)
        self.responses = dict(training_data.responses)
        examples = self._examples(training_data)
        labels = [example.get(INTENT_RESPONSE_KEY) for example in examples]
        if len(set(labels)) == 1:
            self.only_label = labels[0]
        elif labels:
            self.clf.fit(self._create_X(examples), labels)
        else:
            logger.debug("no %s examples: nothing to select", self.config["retrieval_intent"])
        self.persist()
        return self._resource

    def persist(self) -> None:
        if self.only_label is None and self.fitted:
            super().persist()
        state = {
            "all_retrieval_intents": self.all_retrieval_intents,
            "responses": self.responses,
            "only_label": self.only_label,
            "fitted": self.only_label is None and self.fitted,
        }
        with self._model_storage.write_to(self._resource) as directory:
            (directory / STATE_FILE).write_text(json.dumps(state))

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> FaqAnswerSelector:
        try:
            with model_storage.read_from(resource) as directory:
                state = json.loads((directory / STATE_FILE).read_text())
        except (ValueError, FileNotFoundError):  # never trained: selects nothing
            return cls.create(config, model_storage, resource, execution_context)
        if state["fitted"]:
            component = super().load(config, model_storage, resource, execution_context, **kwargs)
        else:
            component = cls.create(config, model_storage, resource, execution_context)
        component.all_retrieval_intents = state["all_retrieval_intents"]
        component.responses = state["responses"]
        component.only_label = state["only_label"]
        return component

    def _ranking(self, messages: list[Message]) -> list[list[tuple[str, float]]]:
        if self.only_label is not None:
            return [[(self.only_label, 1.0)] for _ in messages]
        if not self.fitted:
            return [[] for _ in messages]
        return self.rankings(messages)

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the ResponseSelector's output for every message (Rasa does the same)."""
        with_text = [message for message in messages if message.get(TEXT)]
        for message, ranking in zip(with_text, self._ranking(with_text), strict=True):
            if not ranking:
                continue
            key, confidence = ranking[0]
            limit = self.config["ranking_length"] or len(ranking)
            prediction = {
                "response": {
                    "responses": self.responses.get(utter_action(key), []),
                    "confidence": confidence,
                    "intent_response_key": key,
                    "utter_action": utter_action(key),
                },
                "ranking": [
                    {"confidence": score, "intent_response_key": label}
                    for label, score in ranking[:limit]
                ],
            }
            properties = message.get(SELECTOR_PROPERTY, {})
            properties["all_retrieval_intents"] = self.all_retrieval_intents
            properties[self.config["retrieval_intent"]] = prediction
            message.set(SELECTOR_PROPERTY, properties, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing downstream reads the selection during training."""
        return training_data
