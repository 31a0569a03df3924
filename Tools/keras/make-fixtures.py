#!/usr/bin/env python3
"""Builds the Keras fixture models and records every layer's output with Keras itself.

    Tools/keras/make-fixtures.py [--generated] [--only-generated] [--filter REGEX] [--force]

Runs in the pinned environment .venv-keras/ (created by Tools/keras/setup-venv.sh when missing).
The small models of Tools/keras/models.py go to Fixtures/keras/ (committed), each as
  <model>.k2.h5                       Keras 2 (tf_keras) full model, legacy HDF5
  <model>.k2.keras                    Keras 2 (tf_keras) archive: Keras 2 config in the .keras layout
  <model>.k2w.h5 + .k2w.json          Keras 2 save_weights (legacy layout) + model.to_json()
  <model>.k3.h5                       Keras 3 full model, legacy HDF5
  <model>.k3.keras                    Keras 3 archive
  <model>.k3w.weights.h5 + .k3w.json  Keras 3 save_weights + model.to_json()
With --generated, the keras.applications architectures (weights=None, small input sizes) go to the
git-ignored Fixtures/generated/keras/ as .k2.h5 and .k3.keras, with a model whose layer names are long
enough that the legacy files split `layer_names` into `layer_names0`, `layer_names1`, ...

Next to each fixture, <fixture>.reference/ holds inputs/<input>.npy (seeded) and one .npy per
(layer, call, output), listed in index.json together with the parameter counts of model.summary()
and the model_to_dot graph. Every weight is seeded; biases, BatchNormalization gamma/beta/moving
statistics and PReLU slopes are random and non-trivial, so a wrong epsilon or a skipped layer shows.
Outputs are recorded in inference mode. A fixture whose index.json carries the current generator
stamp is skipped, so a second run does nothing. Error fixtures (Fixtures/keras/errors/) are listed in
Fixtures/keras/errors.json with what their one-line error must mention.
"""
import argparse
import hashlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # Tools/, for testlib
from testlib import ROOT  # noqa: E402
COMMITTED = os.path.join(ROOT, "Fixtures", "keras")
GENERATED = os.path.join(ROOT, "Fixtures", "generated", "keras")
SEED = 1234

sys.path.insert(0, HERE)
import models  # noqa: E402

SMALL_KINDS = {2: ["k2", "k2.keras", "k2w"], 3: ["k3", "k3.keras", "k3w"]}
GENERATED_KINDS = {2: ["k2"], 3: ["k3.keras"]}


def builder_of(name):
    return models.SMALL.get(name) or models.GENERATED_SMALL.get(name) or models.application(name)


def generator_stamp(name=None):
    """Changes whenever this script, the pinned versions or the named model's definition change."""
    digest = hashlib.sha256()
    for file in ("make-fixtures.py", "requirements.txt"):
        with open(os.path.join(HERE, file), "rb") as f:
            digest.update(f.read())
    digest.update(inspect.getsource(models._rng_inputs).encode())
    if name is not None:
        digest.update(inspect.getsource(builder_of(name)).encode())
        digest.update(repr(models.APPLICATIONS.get(name)).encode())
    return digest.hexdigest()[:16]


def fixture_files(folder, model, kind):
    """(fixture file, config JSON or None) for a model and file kind."""
    if kind in ("k2", "k3"):
        return os.path.join(folder, f"{model}.{kind}.h5"), None
    if kind in ("k2.keras", "k3.keras"):
        return os.path.join(folder, f"{model}.{kind}"), None
    if kind == "k2w":
        # tf_keras writes the Keras 3 layout for names ending in .weights.h5; plain .h5 keeps Keras 2's.
        return os.path.join(folder, f"{model}.k2w.h5"), os.path.join(folder, f"{model}.k2w.json")
    return os.path.join(folder, f"{model}.{kind}.weights.h5"), os.path.join(folder, f"{model}.{kind}.json")


def planned(args):
    """Every (version, model name, folder, kinds) the arguments ask for."""
    plan = []
    for version in (2, 3):
        if not args.only_generated:
            for name in models.SMALL:
                kinds = models.KINDS.get(name, SMALL_KINDS)[version]
                if kinds:
                    plan.append((version, name, COMMITTED, kinds))
        if args.generated or args.only_generated:
            for name in models.GENERATED_SMALL:
                plan.append((version, name, GENERATED, models.KINDS[name][version]))
            for name in models.APPLICATIONS:
                plan.append((version, name, GENERATED, GENERATED_KINDS[version]))
    if args.filter:
        plan = [p for p in plan if re.search(args.filter, p[1])]
    return plan


def up_to_date(folder, name, kinds, stamp):
    for kind in kinds:
        fixture, config = fixture_files(folder, name, kind)
        index = fixture + ".reference/index.json"
        if not os.path.exists(fixture) or (config and not os.path.exists(config)) or not os.path.exists(index):
            return False
        with open(index) as f:
            if json.load(f).get("stamp") != stamp:
                return False
    return True


def venv_python():
    """The .venv-keras python, creating the venv when needed."""
    result = subprocess.run([os.path.join(HERE, "setup-venv.sh")], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("setup-venv.sh failed:\n" + result.stderr)
    return result.stdout.strip().splitlines()[-1]


# ---------------------------------------------------------------- worker (inside one Keras version)

def load_keras(version):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import warnings
    warnings.filterwarnings("ignore")
    if version == 2:
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        import tf_keras as K
    else:
        os.environ["KERAS_BACKEND"] = "tensorflow"
        import keras as K
    import tensorflow as tf
    tf.get_logger().setLevel("ERROR")
    return K, tf


def randomize_weights(model, rng):
    """Seeded, non-trivial values for the weights that Keras initialises to constants."""
    import numpy as np
    for layer in all_layers(model):
        for weight in layer.weights:
            base = weight.name.split("/")[-1].split(":")[0]
            shape = tuple(weight.shape)
            if base == "bias":
                value = rng.uniform(-0.2, 0.2, shape)
            elif base == "gamma":
                value = rng.uniform(0.5, 1.5, shape)
            elif base == "beta":
                value = rng.uniform(-0.3, 0.3, shape)
            elif base == "moving_mean":
                value = rng.uniform(-0.5, 0.5, shape)
            elif base == "moving_variance":
                value = rng.uniform(0.3, 2.0, shape)
            elif base == "alpha" and type(layer).__name__ == "PReLU":
                value = rng.uniform(0.05, 0.4, shape)
            else:
                continue
            weight.assign(np.asarray(value, dtype=weight.dtype if isinstance(weight.dtype, str) else "float32"))


def all_layers(model):
    seen = []
    for layer in model.layers:
        seen.append(layer)
        if hasattr(layer, "layers") and layer is not model:
            seen.extend(all_layers(layer))
    return seen


def is_model(K, layer):
    return isinstance(layer, K.Model)


def graph_of(K, version, model):
    """The Functional graph that holds the model's nodes (a Keras 3 Sequential keeps one inside)."""
    if version == 3 and isinstance(model, K.Sequential):
        return model._functional
    return model


def node_layer(node):
    return node.operation if hasattr(node, "operation") else node.layer


def flat(tf, value):
    return list(tf.nest.flatten(value))


def model_nodes(K, tf, version, model):
    """[(layer, call, node)] in topological order; `call` counts the layer's calls inside this model."""
    graph = graph_of(K, version, model)
    ordered = []
    for depth in sorted(graph._nodes_by_depth, reverse=True):
        ordered.extend(graph._nodes_by_depth[depth])
    members = {id(n) for n in ordered}
    result = []
    for node in ordered:
        layer = node_layer(node)
        # Keras 3 also keeps plain ops as graph nodes (e.g. the NotEqual/Any of a Masking layer's mask);
        # they are entries of the saved config's layer list, so they are recorded like layers.
        calls = [n for n in layer._inbound_nodes if id(n) in members]
        result.append((layer, [id(n) for n in calls].index(id(node)), node))
    return result


def record(K, tf, version, model, values, prefix, out, outer_call=0):
    """Appends (layer path, call, output, class, array) for every node output of `model` on `values`.

    Inside a nested model that its parent calls several times, the inner calls are numbered through
    all the parent's calls: a layer called k times per call of the nested model gets, for the nested
    model's call c, the indices c*k .. c*k+k-1."""
    import numpy as np
    nodes = model_nodes(K, tf, version, model)
    calls_per_layer = {}
    for layer, _, _ in nodes:
        calls_per_layer[id(layer)] = calls_per_layer.get(id(layer), 0) + 1
    targets, nested = [], []
    for layer, call, node in nodes:
        index = outer_call * calls_per_layer[id(layer)] + call
        for j, tensor in enumerate(flat(tf, node.outputs)):
            targets.append((layer, index, j, tensor))
        if is_model(K, layer):
            nested.append((layer, index, node))
    extra = []
    for layer, index, node in nested:
        extra.append(flat(tf, node.input_tensors))
    tensors = [t for *_, t in targets] + [t for group in extra for t in group]
    sub = K.Model(model.inputs, tensors)
    results = sub(list(values), training=False)
    results = [np.asarray(r) for r in flat(tf, results)]
    for (layer, index, j, _), value in zip(targets, results):
        out.append((prefix + layer.name, index, j, type(layer).__name__, value))
    offset = len(targets)
    for (layer, index, node), group in zip(nested, extra):
        inner_values = results[offset:offset + len(group)]
        offset += len(group)
        record(K, tf, version, layer, inner_values, prefix + layer.name + "/", out, outer_call=index)


def weight_count(weights):
    import numpy as np
    return int(sum(int(np.prod(w.shape)) for w in weights))


def summary_of(K, model, prefix=""):
    rows = []
    for layer in model.layers:
        rows.append({"layer": prefix + layer.name, "class": type(layer).__name__,
                     "params": int(layer.count_params()) if layer.built else 0,
                     "trainable": weight_count(layer.trainable_weights),
                     "non_trainable": weight_count(layer.non_trainable_weights)})
        if is_model(K, layer):
            rows.extend(summary_of(K, layer, prefix + layer.name + "/"))
    return rows


def dot_of(K, model):
    """model_to_dot(show_shapes, expand_nested) as {nodes: [label], edges: [[from, to]]}, or None."""
    try:
        graph = K.utils.model_to_dot(model, show_shapes=True, expand_nested=True)
    except Exception as error:  # pydot or graphviz missing or a Keras limitation: the diagram is optional
        return {"error": str(error).splitlines()[0] if str(error) else type(error).__name__}
    names, labels, edges = {}, [], []

    def walk(g):
        for node in g.get_nodes():
            name = node.get_name().strip('"')
            if name in ("node", "graph", "edge"):
                continue
            names[name] = len(labels)
            labels.append((node.get("label") or "").strip('"'))
        for sub in g.get_subgraphs():
            walk(sub)

    def walk_edges(g):
        for edge in g.get_edges():
            a, b = str(edge.get_source()).strip('"'), str(edge.get_destination()).strip('"')
            if a in names and b in names:
                edges.append([names[a], names[b]])
        for sub in g.get_subgraphs():
            walk_edges(sub)
    walk(graph)
    walk_edges(graph)
    return {"nodes": labels, "edges": edges}


def safe(name):
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def write_reference(fixture, config, kind, K, model, inputs, input_names, activations, summary,
                    dot, stamp):
    import numpy as np
    ref = fixture + ".reference"
    if os.path.isdir(ref):
        shutil.rmtree(ref)
    os.makedirs(os.path.join(ref, "inputs"))
    input_rows = []
    for name, array in zip(input_names, inputs):
        path = os.path.join("inputs", safe(name) + ".npy")
        np.save(os.path.join(ref, path), array)
        input_rows.append({"name": name, "file": path, "shape": list(array.shape), "dtype": str(array.dtype)})
    rows = []
    for layer, call, output, cls, value in activations:
        path = f"{safe(layer)}.{call}.{output}.npy"
        np.save(os.path.join(ref, path), value)
        rows.append({"layer": layer, "call": call, "output": output, "class": cls, "file": path,
                     "shape": list(value.shape), "dtype": str(value.dtype)})
    index = {
        "fixture": os.path.basename(fixture),
        "config": os.path.basename(config) if config else None,
        "kind": kind,
        "keras_version": K.__version__,
        "stamp": stamp,
        "inputs": input_rows,
        "activations": rows,
        "summary": {"trainable": weight_count(model.trainable_weights),
                    "non_trainable": weight_count(model.non_trainable_weights),
                    "layers": summary},
        "dot": dot,
    }
    with open(os.path.join(ref, "index.json"), "w") as f:
        json.dump(index, f, indent=1)


def save(model, kind, fixture, config):
    if kind in ("k2", "k3", "k2.keras", "k3.keras"):
        model.save(fixture)
    else:
        model.save_weights(fixture)
        with open(config, "w") as f:
            f.write(model.to_json())


def input_names_of(model):
    return [t._keras_history[0].name for t in model.inputs]


def build_one(K, tf, version, name, builder, folder, kinds, stamp):
    import numpy as np
    K.utils.set_random_seed(SEED)
    model, make_inputs = builder(K, version)
    rng = np.random.default_rng(SEED)
    randomize_weights(model, rng)
    if make_inputs is None:
        inputs = [rng.standard_normal((2,) + tuple(t.shape[1:])).astype(np.float32) for t in model.inputs]
    else:
        inputs = make_inputs(rng)
    activations = []
    record(K, tf, version, model, inputs, "", activations)
    summary, dot = summary_of(K, model), dot_of(K, model)
    for kind in kinds:
        fixture, config = fixture_files(folder, name, kind)
        save(model, kind, fixture, config)
        write_reference(fixture, config, kind, K, model, inputs, input_names_of(model), activations,
                        summary, dot, stamp)
    return len(activations)


def error_fixtures(K, tf, version):
    """Files Strata must refuse with one clear line; returns their errors.json rows."""
    import numpy as np
    folder = os.path.join(COMMITTED, "errors")
    os.makedirs(folder, exist_ok=True)
    L = K.layers
    rows = []
    tag = f"k{version}"
    K.utils.set_random_seed(SEED)

    x = K.Input((4,), name="x")
    y = L.Lambda(lambda t: t * 2.0 + 1.0, name="times_two")(L.Dense(3, name="dense")(x))
    lambda_model = K.Model(x, y, name="with_lambda")
    path = os.path.join(folder, f"lambda.{tag}.h5")
    lambda_model.save(path)
    rows.append({"file": f"errors/lambda.{tag}.h5", "config": None, "mentions": ["times_two", "Lambda"]})
    if version == 3:
        path = os.path.join(folder, "lambda.k3.keras")
        lambda_model.save(path)
        rows.append({"file": "errors/lambda.k3.keras", "config": None, "mentions": ["times_two", "Lambda"]})

    register = K.saving.register_keras_serializable if version == 3 else K.utils.register_keras_serializable

    @register(package="StrataFixtures")
    class ScaledDense(L.Dense):
        def call(self, inputs):
            return super().call(inputs) * 3.0

    x = K.Input((4,), name="x")
    custom_model = K.Model(x, ScaledDense(2, name="scaled")(L.Dense(3, name="dense")(x)), name="with_custom")
    path = os.path.join(folder, f"custom.{tag}.h5")
    custom_model.save(path)
    rows.append({"file": f"errors/custom.{tag}.h5", "config": None, "mentions": ["scaled", "ScaledDense"]})
    weights_name = f"{tag}w.weights.h5" if version == 3 else f"{tag}w.h5"
    weights = os.path.join(folder, f"custom.{weights_name}")
    custom_model.save_weights(weights)
    with open(os.path.join(folder, f"custom.{tag}w.json"), "w") as f:
        f.write(custom_model.to_json())
    rows.append({"file": f"errors/custom.{weights_name}", "config": f"errors/custom.{tag}w.json",
                 "mentions": ["scaled", "ScaledDense"]})

    # A weights file whose dense kernel has the wrong shape for the architecture in the JSON.
    x = K.Input((4,), name="x")
    plain = K.Model(x, L.Dense(2, name="out")(L.Dense(3, name="hidden")(x)), name="plain")
    weights = os.path.join(folder, f"misshaped.{weights_name}")
    plain.save_weights(weights)
    with open(os.path.join(folder, f"misshaped.{tag}w.json"), "w") as f:
        f.write(plain.to_json())
    import h5py
    with h5py.File(weights, "r+") as f:
        kernels = []
        f.visititems(lambda n, o: kernels.append(n) if isinstance(o, h5py.Dataset) and o.shape == (4, 3) else None)
        target = kernels[0]
        del f[target]
        f.create_dataset(target, data=np.zeros((5, 3), np.float32))
    rows.append({"file": f"errors/misshaped.{weights_name}", "config": f"errors/misshaped.{tag}w.json",
                 "mentions": ["hidden", "kernel"],
                 "patterns": [r"4\D{1,3}3", r"5\D{1,3}3"]})
    # The same weights without the architecture.
    rows.append({"file": f"errors/misshaped.{weights_name}", "config": None, "mentions": ["--config"]})

    if version == 3:
        archive = os.path.join(folder, "truncated.k3.keras")
        plain.save(archive)
        with open(archive, "rb") as f:
            data = f.read()
        with open(archive, "wb") as f:
            f.write(data[: len(data) * 2 // 3])
        rows.append({"file": "errors/truncated.k3.keras", "config": None, "mentions": []})
        with h5py.File(os.path.join(folder, "not-keras.h5"), "w") as f:
            f.create_dataset("data", data=np.arange(6, dtype=np.float32))
            f.attrs["note"] = "an HDF5 file that is not a Keras model"
        rows.append({"file": "errors/not-keras.h5", "config": None, "mentions": []})
        with open(os.path.join(folder, "not-hdf5.h5"), "w") as f:
            f.write("this is a text file, not HDF5\n")
        rows.append({"file": "errors/not-hdf5.h5", "config": None, "mentions": []})
    # Padding masks Strata cannot apply (models.mask_refusals): legacy HDF5 and, in Keras 3, the archive.
    for stem, model, mentions in models.mask_refusals(K, version):
        for suffix in ["h5"] + (["keras"] if version == 3 else []):
            model.save(os.path.join(folder, f"{stem}.{tag}.{suffix}"))
            rows.append({"file": f"errors/{stem}.{tag}.{suffix}", "config": None, "mentions": mentions})
    for row in rows:
        row["keras"] = version
    return rows


def verify(K, tf, version, folder, name, kinds):
    """Reloads each saved file with Keras and checks that it reproduces the recorded activations."""
    import numpy as np
    problems = []
    for kind in kinds:
        fixture, config = fixture_files(folder, name, kind)
        ref = fixture + ".reference"
        with open(os.path.join(ref, "index.json")) as f:
            index = json.load(f)
        try:
            if config:
                with open(config) as f:
                    model = K.models.model_from_json(f.read())
                model.load_weights(fixture)
            else:
                model = K.models.load_model(fixture, compile=False)
        except Exception as error:
            # Keras itself cannot read back some files it wrote (e.g. Keras 3's legacy .h5 loader builds
            # a multi-axis LayerNormalization with the wrong weight shape); the file is still valid.
            print(f"  note: Keras {version} cannot reload {os.path.basename(fixture)}: "
                  f"{type(error).__name__}: {str(error).splitlines()[0][:200]}", flush=True)
            continue
        inputs = [np.load(os.path.join(ref, item["file"])) for item in index["inputs"]]
        activations = []
        record(K, tf, version, model, inputs, "", activations)
        got = {(layer, call, output): value for layer, call, output, _, value in activations}
        for row in index["activations"]:
            value = got.get((row["layer"], row["call"], row["output"]))
            want = np.load(os.path.join(ref, row["file"]))
            if value is None or value.shape != want.shape or not np.allclose(value, want, rtol=1e-5, atol=1e-6):
                problems.append(f"{os.path.basename(fixture)}: {row['layer']} call {row['call']} output {row['output']}")
        K.backend.clear_session()
    return problems


def worker(args):
    version = args.worker
    K, tf = load_keras(version)
    stamp = generator_stamp()
    failures = 0
    for v, name, folder, kinds in planned(args):
        if v != version:
            continue
        if args.verify:
            problems = verify(K, tf, version, folder, name, kinds)
            failures += bool(problems)
            print(f"keras {version}: {name}: " + ("reloads identically" if not problems else
                  f"{len(problems)} rows differ after reloading: " + "; ".join(problems[:5])), flush=True)
            continue
        if not args.force and up_to_date(folder, name, kinds, generator_stamp(name)):
            continue
        os.makedirs(folder, exist_ok=True)
        builder = builder_of(name)
        try:
            count = build_one(K, tf, version, name, builder, folder, kinds, generator_stamp(name))
            print(f"keras {version}: {name}: {count} activations, {', '.join(kinds)}", flush=True)
        except Exception as error:
            failures += 1
            print(f"keras {version}: {name}: FAILED: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}",
                  flush=True)
        K.backend.clear_session()
    if not args.only_generated and not args.filter and not args.verify:
        errors_json = os.path.join(COMMITTED, "errors.json")
        stamp_file = os.path.join(COMMITTED, "errors", f".stamp-k{version}")
        current = os.path.exists(stamp_file) and open(stamp_file).read() == stamp
        if args.force or not current:
            rows = error_fixtures(K, tf, version)
            existing = json.load(open(errors_json)) if os.path.exists(errors_json) else []
            keep = [r for r in existing if r.get("keras") != version]
            with open(errors_json, "w") as f:
                json.dump(sorted(keep + rows, key=lambda r: (r["file"], r["config"] or "")), f, indent=1)
            with open(stamp_file, "w") as f:
                f.write(stamp)
            print(f"keras {version}: {len(rows)} error fixtures", flush=True)
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generated", action="store_true", help="also the keras.applications models")
    parser.add_argument("--only-generated", action="store_true", help="only the keras.applications models")
    parser.add_argument("--filter", metavar="REGEX", help="only models whose name matches")
    parser.add_argument("--force", action="store_true", help="rebuild even up-to-date fixtures")
    parser.add_argument("--verify", action="store_true",
                        help="reload every fixture with Keras and compare it with its references")
    parser.add_argument("--worker", type=int, choices=(2, 3), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    stamp = generator_stamp()
    if args.verify:
        python = venv_python()
        return max(subprocess.run([python, os.path.abspath(__file__), "--worker", str(v)] + sys.argv[1:]).returncode
                   for v in (2, 3))
    stale = {v for v, name, folder, kinds in planned(args)
             if args.force or not up_to_date(folder, name, kinds, generator_stamp(name))}
    if not args.only_generated and not args.filter:
        for v in (2, 3):
            stamp_file = os.path.join(COMMITTED, "errors", f".stamp-k{v}")
            if args.force or not (os.path.exists(stamp_file) and open(stamp_file).read() == stamp):
                stale.add(v)
    if not stale:
        print("keras fixtures up to date")
        return 0
    python = venv_python()
    status = 0
    for v in sorted(stale):
        command = [python, os.path.abspath(__file__), "--worker", str(v)] + sys.argv[1:]
        status |= subprocess.run(command).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
