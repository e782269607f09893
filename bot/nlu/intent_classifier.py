"""Logistic regression over the sentence embedding and the n-gram counts, with weights we control.

Rasa's LogisticRegressionClassifier fixes C=1 and stacks raw counts beside dense features. A
30-character message has a character n-gram vector of norm ~10 while the embedding has norm 1, so
the embedding (the feature that generalises to unseen wording) barely counts. Here every block is
L2-normalised, the embedding gets its own weight, and C is configurable. Training takes seconds,
which keeps retraining from the conversation logs cheap.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.preprocessing import normalize


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

    def _create_X(self, messages: list[Message]) -> csr_matrix:  # noqa: N802 (Rasa's name)
        rows = []
        for message in messages:
            sparse = message.get_sparse_features(attribute=TEXT)[1]
            dense = message.get_dense_features(attribute=TEXT)[1]
            blocks = []
            if sparse is not None:
                blocks.append(normalize(csr_matrix(sparse.features)))
            if dense is not None:
                vector = np.asarray(dense.features, dtype=np.float64).reshape(1, -1)
                blocks.append(csr_matrix(normalize(vector) * self.config["dense_weight"]))
            rows.append(hstack(blocks) if blocks else csr_matrix((1, 0)))
        return vstack(rows).tocsr()
