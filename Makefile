# Two set-up commands for a fresh machine: `make demo` and `make test`. Both are idempotent.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-case

.PHONY: demo test sysdeps venv lint typecheck model bench clean

# Debian packages the demo and tests need: a CJK font for PDFs, Java for Spark, poppler for pdffonts,
# Pango for WeasyPrint and HarfBuzz's subsetter (without it WeasyPrint embeds CJK fonts ~9x slower),
# chromium for the browser tests (Playwright drives it; its own browser download is not used).
sysdeps:
	@need=""; \
	fc-list 2>/dev/null | grep -qi 'Noto Sans CJK\|WenQuanYi' || need="$$need fonts-noto-cjk fontconfig"; \
	command -v java >/dev/null 2>&1 || need="$$need default-jre-headless"; \
	command -v pdffonts >/dev/null 2>&1 || need="$$need poppler-utils"; \
	ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || need="$$need libharfbuzz-subset0"; \
	ldconfig -p 2>/dev/null | grep -q libpango-1.0 || need="$$need libpango-1.0-0 libpangoft2-1.0-0"; \
	command -v chromium >/dev/null 2>&1 || need="$$need chromium"; \
	if [ -n "$$need" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$need"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need >/dev/null; \
	  else echo "please install as root:$$need"; fi; \
	fi

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

venv: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'

demo: sysdeps venv
	@echo "== demo: generating the synthetic case, ingesting it and running every stage into $(DEMO_DIR)"
	@echo "   (pi, analyze, link, targets, charges, then the case file as HTML, PDF, XLSX and FtM)"
	$(BIN)/qinglian demo $(DEMO_DIR) --force
	@echo "== demo done: the case file is in $(DEMO_DIR)/case/reports/"
	@pw=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(12))'); \
	QINGLIAN_PASSWORD="$$pw" $(BIN)/qinglian users add demo --role case_lead --case case --cases $(DEMO_DIR) >/dev/null && \
	echo "== web workspace: $(BIN)/qinglian serve --cases $(DEMO_DIR)" && \
	echo "   then open http://127.0.0.1:8000 and sign in as demo with the password $$pw (made for this demo)"

test: sysdeps venv
	$(BIN)/ruff check qinglian tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	@# a throwaway PostgreSQL server (installed where missing) for the app-database tests
	scripts/pg-test-server.sh $(BIN)/pytest

# one BLAS thread: with more, the fitted weights differ in the last bits from run to run
model: venv
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m qinglian.training.train

bench: venv
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache $(DEMO_DIR)
