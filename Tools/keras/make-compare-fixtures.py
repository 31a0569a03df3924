#!/usr/bin/env python3
"""Keras models and their tf2onnx exports for Tools/test-compare.py (run in .venv-keras).

    .venv-keras/bin/python Tools/keras/make-compare-fixtures.py OUT_DIR

For each model (the demo digit classifier Fixtures/demo/digits.keras, and a small CNN with
BatchNormalization layers built here with fixed seeds) writes into OUT_DIR:
  NAME.keras            the Keras model
  NAME.onnx             tf2onnx.convert.from_function of the model called with training=False (opset 17;
                        tf2onnx 1.17's from_keras fails on Keras 3 models with a KeyError on 'keras_tensor_*'
                        output names; it works on tf_keras (Keras 2) models)
  NAME.input.npy        a seeded random NHWC input batch
  NAME.layers.npz       Keras' output of every layer on that input (keys: layer names)
  NAME.graph.json       {"order": [layer names in graph order], "downstream": {layer: [layers that
                        depend on it, itself included]}, "convs": [Conv2D layer names]}
"""
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # Tools/, for testlib
from testlib import ROOT  # noqa: E402


def bn_cnn():
    """A small CNN with BatchNormalization after bias-free convolutions (tf2onnx folds them) and a residual add."""
    keras.utils.set_random_seed(7)
    i = keras.Input((24, 24, 3), name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", use_bias=False, name="conv1")(i)
    x = keras.layers.BatchNormalization(name="bn1")(x)
    x = keras.layers.ReLU(name="relu1")(x)
    y = keras.layers.Conv2D(8, 3, padding="same", use_bias=False, name="conv2")(x)
    y = keras.layers.BatchNormalization(name="bn2")(y)
    y = keras.layers.ReLU(name="relu2")(y)
    x = keras.layers.Add(name="add")([x, y])
    x = keras.layers.MaxPooling2D(name="pool")(x)
    x = keras.layers.Conv2D(12, 3, activation="relu", name="conv3")(x)
    x = keras.layers.BatchNormalization(name="bn3")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dense(16, activation="relu", name="fc")(x)
    x = keras.layers.Dense(5, activation="softmax", name="probs")(x)
    model = keras.Model(i, x, name="bncnn")
    # Non-trivial BatchNormalization statistics, as after training.
    rng = np.random.default_rng(11)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape).astype("float32"), rng.normal(0, 0.2, beta.shape).astype("float32"),
                               rng.normal(0, 0.3, mean.shape).astype("float32"), rng.uniform(0.5, 2.0, var.shape).astype("float32")])
    return model


def graph_info(model):
    """Layer order and, per layer, the layers whose output depends on it (itself included)."""
    order = [layer.name for layer in model.layers]
    parents = {layer.name: set() for layer in model.layers}
    for layer in model.layers:
        for node in layer._inbound_nodes:
            for tensor in node.input_tensors:
                parents[layer.name].add(tensor._keras_history.operation.name)
    ancestors = {}
    for name in order:  # graph order: parents come first
        ancestors[name] = set().union(*[{p} | ancestors.get(p, set()) for p in parents[name]]) if parents[name] else set()
    downstream = {name: [n for n in order if n == name or name in ancestors[n]] for name in order}
    convs = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    return {"order": order, "downstream": downstream, "convs": convs}


def export(model, name, out):
    model.save(os.path.join(out, name + ".keras"))
    shape = (None,) + tuple(model.inputs[0].shape[1:])
    spec = (tf.TensorSpec(shape, tf.float32, name="input"),)

    @tf.function(input_signature=spec)
    def forward(x):
        return model(x, training=False)

    tf2onnx.convert.from_function(forward, input_signature=spec, opset=17, output_path=os.path.join(out, name + ".onnx"))
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, (2,) + shape[1:]).astype("float32")
    np.save(os.path.join(out, name + ".input.npy"), x)
    layers = [layer for layer in model.layers]
    probe = keras.Model(model.inputs, [layer.output for layer in layers])
    values = probe(x, training=False)
    np.savez(os.path.join(out, name + ".layers.npz"), **{layer.name: np.asarray(v) for layer, v in zip(layers, values)})
    with open(os.path.join(out, name + ".graph.json"), "w") as f:
        json.dump(graph_info(model), f)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    digits = keras.saving.load_model(os.path.join(ROOT, "Fixtures", "demo", "digits.keras"))
    export(digits, "digits", out)
    export(bn_cnn(), "bncnn", out)
    print("versions:", "tensorflow", tf.__version__, "keras", keras.__version__, "tf2onnx", tf2onnx.__version__)


if __name__ == "__main__":
    main()
