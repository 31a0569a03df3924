#!/usr/bin/env python3
"""Trains the demo model's architecture for ten epochs and saves a checkpoint after each one.

    .venv-keras/bin/python Tools/make-tensorboard-checkpoints.py [OUT]

Runs in .venv-keras/ (Tools/keras/setup-venv.sh prints its python). The architecture is that of
Fixtures/demo/digits.keras (cloned with fresh, seeded weights); the data is the demo's: scikit-learn's
bundled digits scaled to 0-255 and enlarged to 32x32 with Pillow's bicubic filter, the training split
of Tools/demo/make-demo-model.py. Writes OUT/model_epoch_01.h5 ... OUT/model_epoch_10.h5 (Keras 3,
HDF5; default OUT: Fixtures/generated/tensorboard-checkpoints, git-ignored), the checkpoints whose
evolution Tools/test-tensorboard.py logs with `strata tensorboard`. Seeded (the same files each time);
takes about 40 s on two cores.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
from testlib import ROOT
DEMO_MODEL = os.path.join(ROOT, "Fixtures", "demo", "digits.keras")
DEFAULT_OUT = os.path.join(ROOT, "Fixtures", "generated", "tensorboard-checkpoints")
SEED = 20261213
SPLIT_SEED = 20261204  # the demo's split (Tools/demo/make-demo-model.py)
SIZE = 32
EPOCHS = 10


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
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
    train_idx, _ = train_test_split(np.arange(len(labels)), test_size=0.2, stratify=labels, random_state=SPLIT_SEED)
    x_train = big[train_idx].astype(np.float32)[..., None]
    y_train = labels[train_idx]

    demo = keras.models.load_model(DEMO_MODEL, compile=False)
    model = keras.models.clone_model(demo)  # same layers, freshly initialised (seeded) weights
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    os.makedirs(out, exist_ok=True)
    for epoch in range(1, EPOCHS + 1):
        history = model.fit(x_train, y_train, batch_size=64, epochs=1, verbose=0)
        path = os.path.join(out, f"model_epoch_{epoch:02d}.h5")
        model.save(path)
        print(f"epoch {epoch}: training accuracy {history.history['accuracy'][-1]:.3f}, wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
