#!/usr/bin/env python3
"""Reference gradients of Keras models with tf.GradientTape (run in .venv-keras/).

    python keras_gradients.py JOBS.json

JOBS.json is a list of {"model", "inputs" (an .npz of the model's inputs by name, in order),
"layers" (names whose outputs are differentiated), "targets" (each `top` or a class index),
"out" (a path prefix)}. Each model is loaded once; each chosen layer's `call` is wrapped to record
the tensor it returns, so the tape differentiates exactly the values the model computes with. As
tf-keras-vis' ReplaceToLinear does, a final layer with a softmax activation has it replaced by the
identity, so the score is the logit; the score of a batch is the sum of each row's target. For each
target writes `<out>-<target>.npz` with `grad/<layer>`, `grad_input/<name>`, `targets` (the index per
row), `scores` and `replaced` (the layer whose softmax was replaced, or empty).
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def run(job, keras, tf):
    model = keras.saving.load_model(job["model"], compile=False)
    last = model.layers[-1]
    replaced = getattr(last, "activation", None) is keras.activations.softmax
    if replaced:
        last.activation = keras.activations.linear
    recorded = {}
    for name in job["layers"]:
        layer = model.get_layer(name)
        original = layer.call

        def call(*args, _original=original, _name=name, **kwargs):
            out = _original(*args, **kwargs)
            recorded[_name] = out
            return out
        layer.call = call
    data = np.load(job["inputs"])
    inputs = [tf.constant(data[name]) for name in data.files]
    for target in job["targets"]:
        recorded.clear()
        with tf.GradientTape() as tape:
            for x in inputs:
                tape.watch(x)
            output = model(inputs if len(inputs) > 1 else inputs[0], training=False)
            if isinstance(output, (list, tuple)):
                output = output[0]
            rows = output.shape[0]
            values = output.numpy().reshape(rows, -1)
            indices = values.argmax(axis=1) if target == "top" else np.full(rows, int(target))
            flat = tf.reshape(output, (rows, -1))
            score = tf.reduce_sum(tf.gather(flat, indices, axis=1, batch_dims=1))
        names = list(job["layers"])
        grads = tape.gradient(score, [recorded[n] for n in names] + inputs)
        result = {"targets": indices.astype(np.int64), "scores": values[np.arange(rows), indices],
                  "replaced": np.array(last.name if replaced else "")}
        for name, g in zip(names, grads):
            result["grad/" + name] = np.zeros(recorded[name].shape, np.float32) if g is None else g.numpy()
        for name, g, x in zip(data.files, grads[len(names):], inputs):
            result["grad_input/" + name] = np.zeros(x.shape, np.float32) if g is None else g.numpy()
        np.savez(f"{job['out']}-{target}.npz", **result)


def main():
    import keras
    import tensorflow as tf

    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    for job in jobs:
        try:
            run(job, keras, tf)
        except Exception as error:  # reported per model by the caller, which finds no output file
            with open(job["out"] + ".error", "w") as f:
                f.write(f"{type(error).__name__}: {error}".splitlines()[0])


if __name__ == "__main__":
    main()
