#!/usr/bin/env python3
"""Writes Fixtures/cam/keras/: what tf-keras-vis 0.8.7 computes on Keras models, for Tools/test-cam.py.

    TF_USE_LEGACY_KERAS=1 .venv-keras/bin/python Tools/keras/make-cam-references.py
    # Tools/keras/requirements.txt; tf-keras-vis 0.8.7 needs Keras 2 (tf_keras): under Keras 3 its
    # GradientTape sees no path from the score to the penultimate output.

Cases: Fixtures/keras/cnn.k2.h5 (layers conv2, the one tf-keras-vis finds itself, and conv1), and a
seeded CNN made here, Fixtures/cam/keras/cam_cnn.k2.h5 (input 24x24x3, four convolutions, global
average pooling, a softmax Dense head). For each case: the input as .npy (seeded uniform 0..1), and for
Gradcam, GradcamPlusPlus and Layercam the map tf-keras-vis returns with expand_cam=False and
normalize_cam=False (after its ReLU, before resizing or normalisation), scoring the logit of the top
class (ReplaceToLinear, CategoricalScore). index.json lists the cases with the target, the last
convolution layer (tf-keras-vis' choice with penultimate_layer=None), and the top probability.
"""
import importlib.metadata
import json
import os
import sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402
from tf_keras_vis.gradcam import Gradcam  # noqa: E402
from tf_keras_vis.gradcam_plus_plus import GradcamPlusPlus  # noqa: E402
from tf_keras_vis.layercam import Layercam  # noqa: E402
from tf_keras_vis.utils.model_modifiers import ReplaceToLinear  # noqa: E402
from tf_keras_vis.utils.scores import CategoricalScore  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # Tools/, for testlib
from testlib import ROOT  # noqa: E402
OUT = os.path.join(ROOT, "Fixtures", "cam", "keras")
CONVOLUTIONS = {"Conv1D", "Conv2D", "Conv3D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose"}
METHODS = {"gradcam": Gradcam, "gradcam++": GradcamPlusPlus, "layercam": Layercam}


def make_cnn(path):
    keras.utils.set_random_seed(12)
    inputs = keras.Input((24, 24, 3), name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="c1")(inputs)
    x = keras.layers.Conv2D(12, 3, strides=2, padding="same", activation="relu", name="c2")(x)
    x = keras.layers.Conv2D(16, 3, padding="valid", name="c3")(x)
    x = keras.layers.BatchNormalization(name="bn3")(x)
    x = keras.layers.ReLU(name="relu3")(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="c4")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(6, activation="softmax", name="probs")(x)
    model = keras.Model(inputs, outputs, name="cam_cnn")
    # Non-trivial batch-norm statistics.
    bn = model.get_layer("bn3")
    rng = np.random.default_rng(3)
    gamma, beta, mean, var = bn.get_weights()
    bn.set_weights([rng.uniform(0.5, 1.5, gamma.shape), rng.normal(0, 0.2, beta.shape),
                    rng.normal(0, 0.2, mean.shape), rng.uniform(0.5, 1.5, var.shape)])
    model.save(path)


def main():
    assert importlib.metadata.version("tf-keras-vis") == "0.8.7", "Tools/keras/requirements.txt pins tf-keras-vis 0.8.7"
    os.makedirs(OUT, exist_ok=True)
    cnn = os.path.join(OUT, "cam_cnn.k2.h5")
    make_cnn(cnn)
    cases = [
        ("cnn-conv2", "Fixtures/keras/cnn.k2.h5", (12, 12, 3), "conv2"),
        ("cnn-conv1", "Fixtures/keras/cnn.k2.h5", (12, 12, 3), "conv1"),
        ("cam_cnn-c4", "Fixtures/cam/keras/cam_cnn.k2.h5", (24, 24, 3), "c4"),
        ("cam_cnn-c2", "Fixtures/cam/keras/cam_cnn.k2.h5", (24, 24, 3), "c2"),
    ]
    index = []
    for seed, (name, model_path, shape, layer) in enumerate(cases):
        model = keras.models.load_model(os.path.join(ROOT, model_path), compile=False)
        x = np.random.default_rng(100 + seed).uniform(0, 1, (1,) + shape).astype(np.float32)
        np.save(os.path.join(OUT, f"{name}-input.npy"), x)
        probabilities = model(x).numpy()[0]
        target = int(np.argmax(probabilities))
        # tf-keras-vis' own search (isinstance(layer, Conv)) tests against Keras 3's Conv class, which
        # tf_keras layers are not instances of; its rule, the last convolution layer, by class name:
        auto = [l.name for l in model.layers if type(l).__name__ in CONVOLUTIONS][-1]
        row = {"name": name, "model": model_path, "layer": layer, "auto_layer": auto, "target": target,
               "probability": float(probabilities[target]), "methods": {}}
        for method, cls in METHODS.items():
            cam = cls(model, model_modifier=ReplaceToLinear(), clone=True)
            result = cam(CategoricalScore([target]), x, penultimate_layer=layer, seek_penultimate_conv_layer=False,
                         expand_cam=False, normalize_cam=False)
            file = f"{name}-{method}.npy"
            np.save(os.path.join(OUT, file), np.asarray(result, dtype=np.float32)[0])
            row["methods"][method] = file
        index.append(row)
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump({"tf-keras-vis": "0.8.7", "tf_keras": keras.__version__, "tensorflow": tf.__version__,
                   "cases": index}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(index)} cases to {os.path.relpath(OUT, ROOT)}/")


if __name__ == "__main__":
    main()
