# The README's two commands are `make run` and `make test`; both set up what they need.
PY := .venv/bin/python
PYTEST_ARGS ?=

.PHONY: setup run test lint train-mnist export report optimizer-study evaluate

setup:
	@scripts/setup.sh

run: setup
	$(PY) server.py $(ARGS)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

# Full training on CPU (about 25 min for the CNN, 5 for the MLP on 2 cores), then export and reports.
train-mnist: setup
	$(PY) -m train.mnist --model cnn
	$(PY) -m train.mnist --model mlp
	$(MAKE) export report

export: setup
	$(PY) -m train.export

report: setup
	$(PY) -m train.report

optimizer-study: setup
	$(PY) -m train.optimizer_study

evaluate: setup
	$(PY) -m train.evaluate
