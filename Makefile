# The two commands: `make run` (a served, populated portal on an embedded SQLite) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
FLASK  := APP_ENV=development $(BIN)/flask --app wsgi

.PHONY: run test lint format vendor clean prod-smoke api-contract translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

# Links in emails and on Settings follow the port it serves on, unless PUBLIC_URL is set.
RUN_PUBLIC_URL = $(or $(PUBLIC_URL),http://127.0.0.1:$(PORT))
run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	@echo "Serving on http://127.0.0.1:$(PORT) (links: $(RUN_PUBLIC_URL))"
	PUBLIC_URL=$(RUN_PUBLIC_URL) $(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.dev-installed
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check app tests benchmarks ops gunicorn.conf.py

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix app tests benchmarks ops gunicorn.conf.py

# gunicorn + a Celery worker against PostgreSQL, Redis and an S3 server, and a journey over HTTP (ops/prod_smoke.py).
prod-smoke: $(VENV)/.dev-installed
	$(BIN)/python ops/prod_smoke.py

# schemathesis' CLI against a live server: every check, the stateful phase following the OpenAPI links.
api-contract: $(VENV)/.dev-installed
	$(BIN)/python ops/api_contract.py

# Re-extract the portal's messages, merge them into the Chinese catalogue and compile it (both committed,
# so a fresh clone speaks Chinese); tests/test_translations.py fails until every new message is translated.
translations: $(VENV)/.dev-installed
	$(BIN)/pybabel --quiet extract -F app/translations/babel.cfg -k _l -k lazy_gettext --ignore-dirs=".* node_modules" --no-location --omit-header \
		--sort-output -o app/translations/messages.pot .
	$(BIN)/pybabel --quiet update -i app/translations/messages.pot -d app/translations -l zh_Hans --no-wrap
	$(BIN)/pybabel --quiet compile -d app/translations -l zh_Hans

# Refresh the committed front-end files from the npm registry (see app/static/vendor/README.md).
vendor:
	rm -rf /tmp/portal-vendor && mkdir -p /tmp/portal-vendor
	cd /tmp/portal-vendor && npm init -y >/dev/null && npm install --silent htmx.org@2.0.11 bootstrap@5.3.9 bootstrap-icons@1.13.2
	cp /tmp/portal-vendor/node_modules/htmx.org/dist/htmx.min.js app/static/vendor/htmx/
	cp /tmp/portal-vendor/node_modules/bootstrap/dist/css/bootstrap.min.css app/static/vendor/bootstrap/
	cp /tmp/portal-vendor/node_modules/bootstrap/dist/js/bootstrap.bundle.min.js app/static/vendor/bootstrap/
	cp /tmp/portal-vendor/node_modules/bootstrap-icons/font/bootstrap-icons.min.css app/static/vendor/bootstrap-icons/
	cp /tmp/portal-vendor/node_modules/bootstrap-icons/font/fonts/*.woff2 app/static/vendor/bootstrap-icons/fonts/

clean:
	rm -rf $(VENV) instance/portal.db* instance/outbox
