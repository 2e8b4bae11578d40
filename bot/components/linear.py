"""Linear classifiers over character and word n-grams, for intents and for complaint categories.

Why not DIET: on the held-out set (short, unseen wordings) a linear SVM over TF-IDF n-grams is as good or
better (intent macro-F1 0.887 vs 0.873, complaint category 0.941 vs 0.925 on the same data) and trains
in seconds instead of minutes of CPU; DIET and the complaint ResponseSelector were ~4 of the ~4.7 CPU
minutes of a training. Everything trains from bot/data only; nothing is downloaded.

Features, for train and predict alike: TF-IDF (sublinear tf, l2-normalised per group) of
- character n-grams (1–4) of each whitespace-separated chunk, padded with spaces (like sklearn's char_wb),
- the words of the JiebaTokenizer (which uses bot/dictionary) and their bigrams,
- the names of the regexes of the training data (data/nlu/regexes.yml) that match: the message's shape.
Model: scikit-learn LinearSVC (one-vs-rest, class_weight "balanced"); confidence = softmax of the
decision values × `temperature`. Stored as JSON + NumPy arrays (no pickle): vocabulary, idf, weights.
"""
from __future__ import annotations

import json
import logging
import math
import re
import zlib
from collections import Counter
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
import scipy.sparse

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.nlu.training_data.util import intent_response_key_to_template_key

logger = logging.getLogger(__name__)

RANKING_LENGTH = 10
GROUPS = ("c", "w", "r")  # character n-grams, words, regex shapes (data/nlu/regexes.yml)


def analyse(message: Message, patterns: List[Tuple[str, "re.Pattern"]] = ()) -> Dict[str, Counter]:
    """Term counts of a message by feature group."""
    text = (message.get(TEXT) or "").lower()
    chars: Counter = Counter()
    for chunk in text.split():
        padded = f" {chunk} "
        for n in range(1, 5):
            for start in range(len(padded) - n + 1):
                gram = padded[start:start + n]
                if gram.strip():
                    chars[gram] += 1
    tokens = [token.text.lower() for token in message.get(TOKENS_NAMES[TEXT]) or [] if token.text.strip()]
    words: Counter = Counter(tokens)
    words.update(f"{a} {b}" for a, b in zip(tokens, tokens[1:]))
    shapes: Counter = Counter(name for name, pattern in patterns if pattern.search(message.get(TEXT) or ""))
    return {"c": chars, "w": words, "r": shapes}


class LinearTextModel:
    """TF-IDF n-grams and a linear SVM: fit, predict probabilities, save and load as plain arrays."""

    def __init__(self, vocabulary: Dict[str, Dict[str, int]], idf: Dict[str, np.ndarray], classes: List[str],
                 weights: np.ndarray, bias: np.ndarray) -> None:
        self.vocabulary, self.idf, self.classes, self.weights, self.bias = vocabulary, idf, classes, weights, bias
        self.offset, self.width = {}, 0
        for group in GROUPS:
            self.offset[group] = self.width
            self.width += len(vocabulary[group])

    @classmethod
    def fit(cls, analysed: List[Dict[str, Counter]], labels: List[str], c: float) -> "LinearTextModel":
        """Learns the vocabulary, idf and weights."""
        from sklearn.svm import LinearSVC

        documents = len(analysed)
        vocabulary: Dict[str, Dict[str, int]] = {}
        idf: Dict[str, np.ndarray] = {}
        for group in GROUPS:
            frequency = Counter(term for counts in analysed for term in counts[group])
            terms = sorted(frequency)
            vocabulary[group] = {term: number for number, term in enumerate(terms)}
            # sklearn's smooth idf: ln((1 + n) / (1 + df)) + 1
            idf[group] = np.array([math.log((1 + documents) / (1 + frequency[t])) + 1 for t in terms])
        model = cls(vocabulary, idf, [], np.zeros((0, 0)), np.zeros(0))
        matrix = model.matrix(analysed)
        svm = LinearSVC(C=c, class_weight="balanced", random_state=0)  # the same model from the same data
        svm.fit(matrix, labels)
        classes = [str(label) for label in svm.classes_]
        weights = svm.coef_ if len(classes) > 2 else np.vstack([-svm.coef_[0], svm.coef_[0]])
        bias = svm.intercept_ if len(classes) > 2 else np.array([-svm.intercept_[0], svm.intercept_[0]])
        return cls(vocabulary, idf, classes, np.asarray(weights, dtype=np.float64), np.asarray(bias, dtype=np.float64))

    def matrix(self, analysed: List[Dict[str, Counter]]) -> scipy.sparse.csr_matrix:
        """The TF-IDF rows of analysed messages (unknown terms are dropped)."""
        rows, columns, values = [], [], []
        for row, counts in enumerate(analysed):
            for group in GROUPS:
                found = [(self.vocabulary[group][t], n) for t, n in counts[group].items() if t in self.vocabulary[group]]
                if not found:
                    continue
                numbers = np.array([number for number, _ in found])
                weights = (1 + np.log([n for _, n in found])) * self.idf[group][numbers]
                weights /= np.linalg.norm(weights) or 1.0
                rows += [row] * len(found)
                columns += list(numbers + self.offset[group])
                values += list(weights)
        return scipy.sparse.csr_matrix((values, (rows, columns)), shape=(len(analysed), self.width))

    def probabilities(self, analysed: Dict[str, Counter], temperature: float) -> np.ndarray:
        """Softmax of the decision values × temperature, one per class."""
        scores = self.matrix([analysed]) @ self.weights.T + self.bias
        scores = np.asarray(scores).ravel() * temperature
        scores -= scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()

    def save(self, directory) -> None:
        """Writes model.json (vocabulary, classes) and arrays.npz (idf, weights, bias)."""
        (directory / "model.json").write_text(
            json.dumps({"vocabulary": self.vocabulary, "classes": self.classes}, ensure_ascii=False), encoding="utf-8")
        np.savez_compressed(directory / "arrays.npz", weights=self.weights, bias=self.bias,
                            **{f"idf_{group}": self.idf[group] for group in GROUPS})

    @classmethod
    def read(cls, directory) -> "LinearTextModel":
        """Reads what save() wrote (plain JSON and arrays: nothing is unpickled)."""
        meta = json.loads((directory / "model.json").read_text(encoding="utf-8"))
        with np.load(directory / "arrays.npz", allow_pickle=False) as arrays:
            return cls(meta["vocabulary"], {group: arrays[f"idf_{group}"] for group in GROUPS}, meta["classes"],
                       arrays["weights"], arrays["bias"])


class _LinearComponent(GraphComponent):
    """Training, storage and loading shared by the two components."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 1.0, "temperature": 4.0}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn", "scipy"]

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[LinearTextModel] = None, extra: Optional[Dict[str, Any]] = None) -> None:
        self.config, self.model_storage, self.resource = config, model_storage, resource
        self.model = model
        self.extra = extra or {}
        self.patterns = [(p["name"], re.compile(p["pattern"])) for p in self.extra.get("patterns", [])]

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "_LinearComponent":
        return cls(config, model_storage, resource)

    def _fit_and_store(self, training_data: TrainingData, examples: List[Message], labels: List[str]) -> Resource:
        self.extra["patterns"] = [{"name": r["name"], "pattern": r["pattern"]} for r in training_data.regex_features]
        self.patterns = [(p["name"], re.compile(p["pattern"])) for p in self.extra["patterns"]]
        if len(set(labels)) < 2:
            logger.warning("%s: fewer than 2 labels, nothing trained", self.__class__.__name__)
            return self.resource
        self.model = LinearTextModel.fit([analyse(m, self.patterns) for m in examples], labels, float(self.config["C"]))
        with self.model_storage.write_to(self.resource) as directory:
            self.model.save(directory)
            (directory / "extra.json").write_text(json.dumps(self.extra, ensure_ascii=False), encoding="utf-8")
        return self.resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "_LinearComponent":
        try:
            with model_storage.read_from(resource) as directory:
                model = LinearTextModel.read(directory)
                extra = json.loads((directory / "extra.json").read_text(encoding="utf-8"))
            return cls(config, model_storage, resource, model, extra)
        except (ValueError, FileNotFoundError):
            logger.debug("%s: no trained model in '%s'", cls.__name__, resource.name)
            return cls(config, model_storage, resource)

    def _ranking(self, message: Message) -> List[Tuple[str, float]]:
        """(label, confidence) best first."""
        if self.model is None or not self.model.classes:
            return []
        probabilities = self.model.probabilities(analyse(message, self.patterns), float(self.config["temperature"]))
        order = np.argsort(-probabilities)
        return [(self.model.classes[i], float(probabilities[i])) for i in order]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(_LinearComponent, IntentClassifier):
    """Intent classification (a retrieval intent's examples count for the intent: complain/x → complain)."""

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(INTENT)]
        return self._fit_and_store(training_data, examples, [m.get(INTENT) for m in examples])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            ranking = self._ranking(message)
            if not ranking:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set("intent_ranking", [], add_to_output=True)
                continue
            message.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]}, add_to_output=True)
            message.set("intent_ranking", [{"name": name, "confidence": confidence}
                                           for name, confidence in ranking[:RANKING_LENGTH]], add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearResponseSelector(_LinearComponent):
    """The response key of one retrieval intent (complain/<category>), in the output format of Rasa's
    ResponseSelector (`response_selector.<intent>.response` / `.ranking`), for every message: the
    backend classifies any complaint text with it (bot/README.md, "Classifier contract")."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**_LinearComponent.get_default_config(), "retrieval_intent": None}

    def train(self, training_data: TrainingData) -> Resource:
        intent = self.config["retrieval_intent"]
        examples = [m for m in training_data.intent_examples
                    if m.get(INTENT) == intent and m.get(INTENT_RESPONSE_KEY)]
        keys = sorted({m.get(INTENT_RESPONSE_KEY) for m in examples})
        self.extra.update({
            "all_retrieval_intents": sorted(training_data.retrieval_intents),
            "responses": {key: training_data.responses.get(intent_response_key_to_template_key(key), [])
                          for key in keys},
        })
        return self._fit_and_store(training_data, examples, [m.get(INTENT_RESPONSE_KEY) for m in examples])

    def process(self, messages: List[Message]) -> List[Message]:
        intent = self.config["retrieval_intent"]
        for message in messages:
            ranking = self._ranking(message)
            if not ranking:
                continue
            key, confidence = ranking[0]
            prediction = {
                "response": {
                    "responses": self.extra.get("responses", {}).get(key) or [{"text": key}],
                    "confidence": confidence,
                    "intent_response_key": key,
                    "utter_action": intent_response_key_to_template_key(key),
                },
                "ranking": [{"id": zlib.crc32(name.encode()), "confidence": value, "intent_response_key": name}
                            for name, value in ranking[:RANKING_LENGTH]],
            }
            properties = message.get("response_selector", {}) or {}
            properties["all_retrieval_intents"] = self.extra.get("all_retrieval_intents", [intent])
            properties[intent] = prediction
            message.set("response_selector", properties, add_to_output=True)
        return messages
