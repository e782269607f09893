"""Logistic regression over the sentence embedding and the n-gram counts, with weights we control.

Rasa's LogisticRegressionClassifier fixes C=1 and stacks raw counts beside dense features. A
30-character message has a character n-gram vector of norm ~10 while the embedding has norm 1, so
the embedding (the feature that generalises to unseen wording) barely counts. Here every block is
L2-normalised, the embedding gets its own weight, and C is configurable. Training takes seconds,
which keeps retraining from the conversation logs cheap.

Serving scores one message as a dot product over its non-zero columns (a few hundred) against the
transposed coefficients, then a softmax: the same numbers as scikit-learn's ``predict_proba``
without Rasa's deep copy of every feature block and scipy's sparse stacking, which were most of
this component's CPU per turn (BENCHMARKS.md, "A cheaper turn").

The fitted regression is stored as its three arrays (coefficients, intercepts, labels) in a
NumPy ``.npz`` read without pickle. Rasa's skops file took 10 s of every model load (a Rasa
start, a hot swap, a candidate comparison) to vet and rebuild the same arrays.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix
from sklearn.utils.extmath import softmax

logger = logging.getLogger(__name__)
WEIGHTS_FILE = "logistic_regression.npz"


@dataclass(frozen=True)
class FeatureRow:
    """One message's feature vector as its non-zero columns, blocks already normalised."""

    columns: np.ndarray
    values: np.ndarray
    width: int


def _unit(values: np.ndarray) -> np.ndarray:
    norm = np.sqrt(values @ values)
    return values / norm if norm > 0 else values


def feature_row(message: Message, dense_weight: float) -> FeatureRow:
    """The sentence-level sparse features (one L2-normalised block) then the weighted embedding.

    The blocks come in ``message.features`` order, as Rasa's ``get_sparse_features`` combines them.
    """
    sentence = [
        feature
        for feature in message.features
        if feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE
    ]
    columns, values, width = [], [], 0
    for feature in (f for f in sentence if f.is_sparse()):
        block = feature.features if feature.features.format == "coo" else feature.features.tocoo()
        columns.append(block.col.astype(np.int64) + width)
        values.append(block.data.astype(np.float64))
        width += block.shape[1]
    sparse_columns = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)
    sparse_values = np.concatenate(values) if values else np.zeros(0)
    unique, where = np.unique(sparse_columns, return_inverse=True)
    if len(unique) < len(sparse_columns):  # a repeated entry counts once, summed, as in sklearn
        sparse_columns, sparse_values = unique, np.bincount(where, weights=sparse_values)
    sparse_values = _unit(sparse_values)
    dense_blocks = [np.ravel(f.features).astype(np.float64) for f in sentence if f.is_dense()]
    dense = _unit(np.concatenate(dense_blocks)) * dense_weight if dense_blocks else np.zeros(0)
    return FeatureRow(
        columns=np.concatenate([sparse_columns, np.arange(width, width + len(dense))]),
        values=np.concatenate([sparse_values, dense]),
        width=width + len(dense),
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class BalancedLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Intent classifier: L2-normalised sparse and dense sentence features, tunable C."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "C": 20.0,
            "dense_weight": 2.0,
            "max_iter": 2000,
        }

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=self.config["C"])
        self._transposed: tuple[np.ndarray, np.ndarray] | None = None  # (coef_, its contiguous .T)

    def _rows(self, messages: list[Message]) -> list[FeatureRow]:
        return [feature_row(message, self.config["dense_weight"]) for message in messages]

    def _create_X(self, messages: list[Message]) -> csr_matrix:  # noqa: N802 (Rasa's name)
        rows = self._rows(messages)
        if not rows:
            return csr_matrix((0, 0))
        return csr_matrix(
            (
                np.concatenate([row.values for row in rows]),
                np.concatenate([row.columns for row in rows]),
                np.cumsum([0] + [len(row.columns) for row in rows]),
            ),
            shape=(len(rows), max(row.width for row in rows)),
        )

    def _coefficients(self) -> np.ndarray:
        """``coef_.T`` laid out row-major once per fit (sklearn's product walks it strided)."""
        if self._transposed is None or self._transposed[0] is not self.clf.coef_:
            self._transposed = (self.clf.coef_, np.ascontiguousarray(self.clf.coef_.T))
        return self._transposed[1]

    def probabilities(self, messages: list[Message]) -> np.ndarray:
        """Class probabilities per message, in ``clf.classes_`` order (= ``predict_proba``)."""
        if self.clf.classes_.size <= 2:  # one-vs-rest in scikit-learn: let it do the rare case
            return self.clf.predict_proba(self._create_X(messages))
        weights = self._coefficients()
        scores = np.empty((len(messages), weights.shape[1]))
        for i, row in enumerate(self._rows(messages)):
            if row.width != weights.shape[0]:
                raise ValueError(f"{row.width} features, the model was fitted on {len(weights)}")
            scores[i] = row.values @ weights[row.columns]
        return softmax(scores + self.clf.intercept_, copy=False)

    def rankings(self, messages: list[Message]) -> list[list[tuple[str, float]]]:
        """Per message, every label with its probability, most likely first."""
        if not messages:
            return []
        classes = [str(label) for label in self.clf.classes_]
        return [
            sorted(zip(classes, map(float, row), strict=True), key=lambda pair: -pair[1])
            for row in self.probabilities(messages)
        ]

    def process(self, messages: list[Message]) -> list[Message]:
        """Set ``intent`` and ``intent_ranking`` as Rasa's LogisticRegressionClassifier does."""
        limit = self.config["ranking_length"]
        for message, pairs in zip(messages, self.rankings(messages), strict=True):
            ranking = [{"name": name, "confidence": p} for name, p in pairs]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(
                INTENT_RANKING_KEY, ranking[:limit] if limit > 0 else ranking, add_to_output=True
            )
        return messages

    @property
    def fitted(self) -> bool:
        return hasattr(self.clf, "coef_")

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(
                directory / WEIGHTS_FILE,
                coef=self.clf.coef_,
                intercept=self.clf.intercept_,
                classes=self.clf.classes_.astype(str),
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> BalancedLogisticRegressionClassifier:
        component = cls.create(config, model_storage, resource, execution_context)
        try:
            with model_storage.read_from(resource) as directory:
                weights = np.load(directory / WEIGHTS_FILE, allow_pickle=False)
                component.clf.coef_ = weights["coef"]
                component.clf.intercept_ = weights["intercept"]
                component.clf.classes_ = weights["classes"]
        except (ValueError, FileNotFoundError):
            logger.warning("%s has no trained weights: it predicts nothing", cls.__name__)
            return component
        component.clf.n_features_in_ = component.clf.coef_.shape[1]
        return component
