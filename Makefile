# Strata: `make demo` to see it work, `make test` to check everything.

SWIFT      ?= swift
PYTHON     ?= python3
STRATA     := .build/release/strata
# The demo: a small CNN trained on scikit-learn's digits (Tools/demo/make-demo-model.py) and its
# 360 held-out images; see Fixtures/demo/model-card.json.
DEMO_MODEL  := Fixtures/demo/digits.keras
DEMO_IMAGES := Fixtures/demo/heldout
DEMO_PICKS  := $(DEMO_IMAGES)/017-d3.png $(DEMO_IMAGES)/029-d7.png $(DEMO_IMAGES)/023-d8.png
DEMO_OUT    := out/demo

.PHONY: deps deps-system build demo test swift-test generic-kernels aarch64-kernels node-tests light-models tool-tests parity

## deps-system: install the Debian packages Strata builds and runs with (what `make demo` needs)
deps-system:
	Tools/install-deps.sh --system

## deps: the Debian packages plus the pinned Python test stack (idempotent)
deps:
	Tools/install-deps.sh

## build: release build of the strata command, with the Swift runtime and Foundation linked in (it starts
## faster, which inspect on a Keras file needs twice: Strata and its HDF5 worker, and runs without Swift)
build:
	$(SWIFT) build -c release --product strata --static-swift-stdlib

## demo: look inside the trained digit classifier: feature maps, filters and dataset statistics in out/demo/
demo: deps-system build
	$(STRATA) inspect $(DEMO_MODEL)
	@echo
	$(STRATA) maps $(DEMO_MODEL) $(addprefix --image ,$(DEMO_PICKS)) --preprocess raw \
		--layer 'conv*' --layer pool2 --layer fc --layer predictions --overlay --out $(DEMO_OUT)/maps
	$(STRATA) filters $(DEMO_MODEL) --out $(DEMO_OUT)/filters
	$(STRATA) stats $(DEMO_MODEL) --images $(DEMO_IMAGES) --preprocess raw --batch 40 --out $(DEMO_OUT)/stats
	$(STRATA) report $(DEMO_MODEL) --images $(DEMO_IMAGES) --preprocess raw --batch 40 -o $(DEMO_OUT)/report.html
	@echo
	@echo "Pictures of what the digit classifier sees and learned:"
	@printf '  %-54s %s\n' "feature maps, mean/max maps, overlays of 3 digits:" "$(DEMO_OUT)/maps/index.html" \
		"filters and weight histograms:" "$(DEMO_OUT)/filters/index.html" \
		"statistics over the $(words $(wildcard $(DEMO_IMAGES)/*.png)) held-out images:" "$(DEMO_OUT)/stats/index.html" \
		"all of it on one page (click a layer in the diagram):" "$(DEMO_OUT)/report.html"

## test: unit tests, the ONNX node suite, the light models and the other Tools test scripts
test: deps build swift-test generic-kernels aarch64-kernels node-tests light-models tool-tests parity

# The kernel tests run in every kernel tier this CPU has (Tests/StrataEngineTests/KernelTierTestCase.swift).
swift-test:
	$(SWIFT) test

## generic-kernels: the engine tests again with STRATA_ISA=generic, as on a CPU without AVX2
generic-kernels:
	STRATA_ISA=generic $(SWIFT) test --filter StrataEngineTests

## aarch64-kernels: the C kernels compile for arm64, and their NEON tier computes the generic tier's bits there (qemu)
aarch64-kernels:
	Tools/check-aarch64.sh

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
