"""Consistency training: each training image is also seen as a web copy of itself, and the
difference between the two logits is penalised, so that recompression and rescaling move
verdicts less.

The classifier keeps its layers and weights (checkpoints load into ``build_classifier``'s
model); only its training step changes. It expects batches of ``((clean, web copy), label)``
(``pipeline.paired_training_dataset``); both views also carry the classification loss.
"""

from __future__ import annotations

import tensorflow as tf
import tf_keras as keras

from aiorhuman.training.model import PROBABILITY_LAYER


class ConsistencyClassifier(keras.Model):
    """A classifier (the functional model of ``build_classifier``) trained with a consistency
    term: ``weight`` x the mean squared difference of the clean and web-copy logits."""

    def __init__(self, inputs, outputs, weight: float, **kwargs) -> None:
        super().__init__(inputs, outputs, **kwargs)
        self.consistency_weight = float(weight)
        logits = keras.Model(inputs, self.get_layer(PROBABILITY_LAYER).input)
        # A function, not an attribute holding the model, so Keras does not track the
        # sub-model and the saved weights keep the plain classifier's layout.
        self._logits = lambda x, training: logits(x, training=training)

    def train_step(self, data):
        views, labels, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        clean, web = views
        count = tf.shape(clean)[0]
        labels = tf.concat([labels, labels], 0)
        if sample_weight is not None:
            sample_weight = tf.concat([sample_weight, sample_weight], 0)
        with tf.GradientTape() as tape:
            logits = tf.cast(self._logits(tf.concat([clean, web], 0), training=True), tf.float32)
            probabilities = tf.sigmoid(logits)
            loss = self.compute_loss(y=labels, y_pred=probabilities, sample_weight=sample_weight)
            consistency = tf.reduce_mean(tf.square(logits[:count] - logits[count:]))
            total = loss + self.consistency_weight * consistency
        self.optimizer.minimize(total, self.trainable_variables, tape=tape)
        results = self.compute_metrics(None, labels, probabilities, sample_weight)
        results["consistency"] = consistency
        return results


def with_consistency(model: keras.Model, weight: float) -> ConsistencyClassifier:
    """``model``'s layers, trained with the consistency term of weight ``weight``."""
    return ConsistencyClassifier(model.inputs, model.outputs, weight=weight, name=model.name)
