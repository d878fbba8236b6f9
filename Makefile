# Thin wrappers over the `issuetrak` commands (`python -m issuetrak_tools <command>`) and the
# repository's own checks; without make, run the same commands directly.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

# pass-through variables (empty means "use the default")
LABEL     ?=
SITE      ?=
SPEC_URL  ?=
SPEC_FROM ?=
FROM      ?=
TO        ?=
ARGS      ?=
SITE_DIR  ?= site
# parallel test workers (pytest-xdist): one more than the cores, because a tenth of the suite
# waits (timeouts, pauses a site asks for, child processes starting) and a core would sit idle
JOBS      ?= $(shell $(PY) -c 'import os; print(len(os.sched_getaffinity(0)) + 1)' 2>/dev/null || echo auto)

opt = $(if $(2),$(1) $(2))

# The token travels in the environment (ISSUETRAK_TOKEN), never on a command line: a recipe's
# `sh -c` line, and so `ps`, never holds it. Prefer exporting ISSUETRAK_TOKEN in your shell or CI
# secret store; `make ... TOKEN=...` works too but leaves the token in make's own arguments.
ifdef TOKEN
export ISSUETRAK_TOKEN := $(TOKEN)
endif

.PHONY: install regen fetch-spec test contract bench lint mock spec-diff drift docs wheel clean

install:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m issuetrak_tools regen $(call opt,--label,$(LABEL))

regen:
	$(PY) -m issuetrak_tools regen $(call opt,--label,$(LABEL)) $(call opt,--from,$(SPEC_FROM)) $(ARGS)

fetch-spec:
	$(PY) -m issuetrak_tools fetch-spec $(call opt,--site,$(SITE)) $(call opt,--spec-url,$(SPEC_URL)) \
		$(call opt,--from,$(SPEC_FROM)) $(call opt,--label,$(LABEL)) $(ARGS)

test:
	$(PY) -m pytest -n $(JOBS) --dist loadgroup tests examples $(ARGS)

contract:
	$(PY) -m issuetrak_tools contract $(call opt,--site,$(SITE)) $(call opt,--spec-label,$(LABEL)) $(ARGS)

bench:
	$(PY) bench/run.py $(ARGS)

lint:
	$(PY) -m ruff check overlay mock tools contract_tests tests bench examples hatch_build.py .ci
	$(PY) -m ruff format --check overlay mock tools contract_tests tests bench examples hatch_build.py .ci
	$(PY) -m mypy -p issuetrak -p issuetrak_mock

mock:
	$(VENV)/bin/issuetrak-mock $(ARGS)

spec-diff:
	$(PY) -m issuetrak_tools spec-diff $(FROM) $(TO) $(ARGS)

drift:
	$(PY) -m issuetrak_tools drift $(call opt,--site,$(SITE)) $(call opt,--spec-label,$(LABEL)) $(ARGS)

# the theme (Material for MkDocs 9.7) prints an end-of-life notice on every build, about its own
# support date rather than this site; its documented switch turns the notice off
docs:
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir $(SITE_DIR)

# the sdist, and the wheel built from it (both pack the generated client regen made)
wheel:
	$(PY) -m build --outdir dist .

clean:
	rm -rf generated/issuetrak_client reports dist site .pytest_cache .mypy_cache .ruff_cache
