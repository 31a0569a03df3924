# Strata: `make demo` to see it work, `make test` to check everything.

SWIFT      ?= swift
PYTHON     ?= python3
STRATA     := .build/release/strata
DEMO_MODEL := Fixtures/onnx/tiny-cnn.onnx
DEMO_INPUT := Fixtures/onnx/tiny-cnn.reference/inputs/input.npy
DEMO_OUT   := out/tiny-cnn

.PHONY: deps build demo test swift-test node-tests light-models tool-tests parity

## deps: install missing system packages and pinned Python packages (idempotent)
deps:
	Tools/install-deps.sh

## build: release build of the strata command
build:
	$(SWIFT) build -c release --product strata

## demo: inspect the tiny CNN and capture every layer's activations into out/tiny-cnn/
demo: deps build
	$(STRATA) inspect $(DEMO_MODEL)
	@echo
	$(STRATA) run $(DEMO_MODEL) --input $(DEMO_INPUT) --all --out $(DEMO_OUT)
	@echo "activations: $(DEMO_OUT)/*.npy, index: $(DEMO_OUT)/manifest.json"

## test: unit tests, the ONNX node suite, the light models and the other Tools test scripts
test: deps build swift-test node-tests light-models tool-tests parity

swift-test:
	$(SWIFT) test

node-tests: build
	$(PYTHON) Tools/onnx-node-tests.py --no-build

light-models: build
	$(PYTHON) Tools/light-models.py --no-build

# Every Tools/test-*.py script runs here, against the release binary.
tool-tests: build
	@set -e; for script in $(wildcard Tools/test-*.py); do echo "== $$script"; $(PYTHON) $$script; done

## parity: every intermediate tensor of torchvision exports against onnxruntime (fixtures made on first use)
parity: build
	$(PYTHON) Tools/parity/make-fixtures.py
	$(PYTHON) Tools/parity/check.py
