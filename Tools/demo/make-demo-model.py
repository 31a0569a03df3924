#!/usr/bin/env python3
"""Trains the small digit classifier that `make demo` looks inside, and writes its fixtures.

    Tools/demo/make-demo-model.py

Runs in .venv-keras/ (Tools/keras/setup-venv.sh; it needs scikit-learn and pillow from
Tools/keras/requirements.txt). The data is scikit-learn's bundled copy of the UCI handwritten digits
(1,797 images of 8x8 pixels, 16 grey levels), so nothing is downloaded. Each image is scaled to
0-255 and enlarged to 32x32 with Pillow's bicubic filter, which turns the blocks into strokes.

Writes, under Fixtures/demo/:
  digits.keras            the trained Keras 3 model: input (32, 32, 1) grey pixels 0-255
                          (it rescales inside, so Strata's `--preprocess raw` feeds it)
  heldout/NNN-dD.png      every held-out image (20 %, stratified, never trained on), label D in the name
  labels.csv              file,label for the held-out images
  model-card.json         data split, training settings, Keras' held-out accuracy and, per held-out
                          file, Keras' predicted class and probability (from keras.utils.load_img)
Training is seeded; TensorFlow's CPU kernels are not bit-reproducible, so a rerun can differ in the
last digits of the weights, and the card is rewritten with the model.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # Tools/, for testlib
from testlib import ROOT  # noqa: E402
OUT = os.path.join(ROOT, "Fixtures", "demo")
SEED = 20261204
SIZE = 32


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import numpy as np
    from PIL import Image
    import keras
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    keras.utils.set_random_seed(SEED)
    digits = load_digits()
    small = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)
    big = np.stack([np.asarray(Image.fromarray(im, mode="L").resize((SIZE, SIZE), Image.BICUBIC)) for im in small])
    labels = digits.target.astype(np.int64)
    index = np.arange(len(labels))
    train_idx, test_idx = train_test_split(index, test_size=0.2, stratify=labels, random_state=SEED)

    # The held-out images go to disk first; the accuracy below is measured on the files as written.
    heldout = os.path.join(OUT, "heldout")
    os.makedirs(heldout, exist_ok=True)
    for old in os.listdir(heldout):
        os.remove(os.path.join(heldout, old))
    files = []
    for k, i in enumerate(sorted(test_idx)):
        name = f"{k:03d}-d{labels[i]}.png"
        Image.fromarray(big[i], mode="L").save(os.path.join(heldout, name), optimize=True)
        files.append((name, int(labels[i])))

    rng = np.random.default_rng(SEED)

    def augment(images):
        # Shifts of up to 2 pixels and mild contrast changes; the digits stay whole at 32x32.
        out = np.zeros_like(images)
        for n, im in enumerate(images):
            dy, dx = rng.integers(-2, 3, size=2)
            shifted = np.roll(np.roll(im, dy, axis=0), dx, axis=1)
            out[n] = np.clip(shifted * rng.uniform(0.8, 1.2), 0, 255)
        return out

    x_train = big[train_idx].astype(np.float32)[..., None]
    y_train = labels[train_idx]

    layers = keras.layers
    model = keras.Sequential([
        keras.Input((SIZE, SIZE, 1), name="pixels"),
        layers.Rescaling(1.0 / 255.0, name="rescale"),
        layers.Conv2D(16, 3, padding="same", activation="relu", name="conv1"),
        layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2"),
        layers.MaxPooling2D(name="pool1"),
        layers.Conv2D(32, 3, padding="same", activation="relu", name="conv3"),
        layers.MaxPooling2D(name="pool2"),
        layers.Conv2D(32, 3, activation="relu", name="conv4"),
        layers.GlobalAveragePooling2D(name="gap"),
        layers.Dense(64, activation="relu", name="fc"),
        layers.Dropout(0.3, name="dropout"),
        layers.Dense(10, activation="softmax", name="predictions"),
    ], name="digits")
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    epochs = 60
    for epoch in range(epochs):
        model.fit(augment(x_train[..., 0])[..., None], y_train, batch_size=64, epochs=1, verbose=0)
    os.makedirs(OUT, exist_ok=True)
    model_path = os.path.join(OUT, "digits.keras")
    # A clone is not compiled, so the file holds the weights without the optimizer's state.
    clean = keras.models.clone_model(model)
    clean.set_weights(model.get_weights())
    clean.save(model_path)

    # Accuracy as a user would measure it: reload the saved file, read each PNG with load_img.
    reloaded = keras.models.load_model(model_path)
    batch = np.stack([
        keras.utils.img_to_array(keras.utils.load_img(os.path.join(heldout, f), color_mode="grayscale"))
        for f, _ in files])
    probs = reloaded.predict(batch, verbose=0)
    predicted = probs.argmax(axis=1)
    truth = np.array([label for _, label in files])
    accuracy = float((predicted == truth).mean())

    with open(os.path.join(OUT, "labels.csv"), "w") as f:
        f.write("file,label\n")
        for name, label in files:
            f.write(f"heldout/{name},{label}\n")
    card = {
        "model": "digits.keras",
        "data": "scikit-learn load_digits (UCI optical recognition of handwritten digits), 8x8 scaled to 0-255, "
                f"resized to {SIZE}x{SIZE} with Pillow BICUBIC",
        "split": {"train": int(len(train_idx)), "heldout": int(len(test_idx)), "stratified": True, "seed": SEED},
        "training": {"epochs": epochs, "batch_size": 64, "optimizer": "Adam(2e-3)",
                     "augmentation": "shifts of up to 2 px, contrast x0.8-1.2"},
        "versions": {"keras": keras.__version__, "numpy": np.__version__},
        "heldout_accuracy": accuracy,
        "predictions": [
            {"file": f"heldout/{name}", "label": label, "predicted": int(p), "probability": float(probs[n, p])}
            for n, ((name, label), p) in enumerate(zip(files, predicted))],
    }
    with open(os.path.join(OUT, "model-card.json"), "w") as f:
        json.dump(card, f, indent=1)
        f.write("\n")
    print(f"held-out accuracy {accuracy:.4f} on {len(files)} images; wrote {OUT}")


if __name__ == "__main__":
    sys.exit(main())
