# Thin wrappers over `python -m issuetrak <command>`; without make, call the same commands directly.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

# pass-through variables (empty means "use the default"); recipes that take TOKEN are not echoed
LABEL     ?=
SITE      ?=
TOKEN     ?=
SPEC_URL  ?=
SPEC_FROM ?=
FROM      ?=
TO        ?=
ARGS      ?=

opt = $(if $(2),$(1) $(2))
# TOKEN travels in the environment, so it shows neither in the echoed recipe nor in `ps`
tokenenv = $(if $(TOKEN),ISSUETRAK_TOKEN='$(TOKEN)')

.PHONY: install regen fetch-spec test contract bench lint mock spec-diff drift clean

install:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m issuetrak regen $(call opt,--label,$(LABEL))

regen:
	$(PY) -m issuetrak regen $(call opt,--label,$(LABEL)) $(call opt,--from,$(SPEC_FROM)) $(ARGS)

fetch-spec:
	@$(tokenenv) $(PY) -m issuetrak fetch-spec $(call opt,--site,$(SITE)) $(call opt,--spec-url,$(SPEC_URL)) \
		$(call opt,--from,$(SPEC_FROM)) $(call opt,--label,$(LABEL)) $(ARGS)

test:
	$(PY) -m issuetrak dev test $(ARGS)

contract:
	@$(tokenenv) $(PY) -m issuetrak contract $(call opt,--site,$(SITE)) \
		$(call opt,--spec-label,$(LABEL)) $(ARGS)

bench:
	$(PY) -m issuetrak bench $(ARGS)

lint:
	$(PY) -m issuetrak dev lint

mock:
	$(VENV)/bin/issuetrak-mock $(ARGS)

spec-diff:
	$(PY) -m issuetrak spec-diff $(FROM) $(TO) $(ARGS)

drift:
	@$(tokenenv) $(PY) -m issuetrak drift $(call opt,--site,$(SITE)) \
		$(call opt,--spec-label,$(LABEL)) $(ARGS)

clean:
	rm -rf generated/issuetrak_client reports .pytest_cache .mypy_cache .ruff_cache
