# The two commands a new user types (each installs what is missing first):
#   make demo   - the method, small: pretraining, fine-tuning, LM, one NST generation on the mini corpus (egs/mini/demo1/run.sh)
#   make test   - the test suite (unit tests + a tiny end-to-end recipe run)
SHELL := /bin/bash
VENV := .venv
PYTHON := $(VENV)/bin/python

.PHONY: install demo test bench clean-mini

install:
	bash tools/install.sh

demo: install
	cd egs/mini/demo1 && ./run.sh

# The suite runs on every core up to 8 (pytest-xdist), one test file per worker
# at a time so each file's module fixtures (a recipe run end to end) are built once; one thread per
# worker unless OMP_NUM_THREADS is set. `make test TEST_WORKERS=1` runs it in one process.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n < 8 ? n : 8 )))
test: install
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(PYTHON) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=25 tests

bench: install
	$(PYTHON) bench/bench_asr.py

clean-mini:
	cd egs/mini/asr1 && rm -rf data dump exp downloads
	cd egs/mini/demo1 && rm -rf data dump exp downloads
