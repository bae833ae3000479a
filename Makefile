# braindock: the two commands of the README.
#   make demo   server + real demo data + a walkthrough of the APIs
#   make test   the whole test suite (server, SDK, official-client compatibility)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench soak clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev,demo]"
	# iblatlas and biosignalsnotebooks only ship data files the demo reads (the Allen structure tree; the
	# PhysioNet EEG recording S001R02.edf); their own dependencies pin old releases and are not needed
	$(BIN)/pip install --quiet --no-deps iblatlas==1.3.0 biosignalsnotebooks==0.6.14
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/braindock demo

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	# three workers on two cores: most tests wait on servers and subprocesses; one file per worker at a time;
	# then the timing-sensitive tests (marker serial) with the machine to themselves
	$(BIN)/python -m pytest -n 3 --dist loadfile --durations=15 -m "not serial"
	$(BIN)/python -m pytest -m serial

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/braindata.py
	$(BIN)/python benchmarks/brainstem.py
	$(BIN)/python benchmarks/streaming.py
	$(BIN)/python benchmarks/insights.py
	$(BIN)/python benchmarks/crash_loss.py --trials 3

# the streaming load for 10 minutes, every user recorded: server memory over time and losses (about 13 minutes);
# then the same beside two processes spinning on the CPU (another 13 minutes)
soak: $(STAMP)
	$(BIN)/python benchmarks/soak.py --minutes 10 --record
	$(BIN)/python benchmarks/soak.py --minutes 10 --record --cpu-burners 2

clean:
	rm -rf $(VENV) braindock-data .pytest_cache
