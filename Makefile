# The README's two commands: `make demo` and `make test`. Everything they need is
# installed here: Python deps into .venv, Debian packages with apt-get (as root).

PY      := .venv/bin/python
VENV    := .venv/.installed
# uBlock Origin: real people's privacy extension in e2e/test_privacy_browsers.py;
# libssl-dev: the native OpenSSL hashing baseline of `make bench`.
DEB_PKGS := chromium chromium-driver xvfb xauth firefox-esr redis-server wrk xdotool \
            fonts-noto-cjk webext-ublock-origin-firefox libssl-dev gcc

# Only `make bench` needs these: valgrind counts the pass path's instructions.
BENCH_PKGS := valgrind

JS_DEPS := js/node_modules/.package-lock.json

.PHONY: demo test unit js-test e2e lint typecheck docs bench fuzz soak js sysdeps bench-sysdeps clean

# The demo needs humangate and prometheus-client only, not the dev toolchain.
DEMO := .venv/.demo-installed

demo: $(DEMO)
	.venv/bin/humangate demo

$(DEMO): pyproject.toml
	python3 -m venv .venv
	.venv/bin/pip install --quiet -e '.[metrics]'
	touch $@

test: lint typecheck docs unit js-test e2e

$(VENV): pyproject.toml
	python3 -m venv .venv
	.venv/bin/pip install --quiet --upgrade pip
	.venv/bin/pip install --quiet -e '.[dev]'
	touch $@

sysdeps:
	@missing=$$(for pkg in $(DEB_PKGS); do dpkg -s $$pkg >/dev/null 2>&1 || echo $$pkg; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing system packages; run as root or: sudo apt-get install" $$missing; exit 1; \
	  fi; \
	fi

lint: $(VENV)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck: $(VENV)
	.venv/bin/mypy

# The docs site from docs/ (MkDocs Material) into build/site; --strict: a broken link or
# a page missing from the nav fails the build. The configuration reference is generated.
docs: $(VENV)
	NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet

# Dev-only JS tooling (wabt compiles the WebAssembly solver; axe-core, cf-turnstile,
# @marsidev/react-turnstile with React and esbuild are test clients); the wheel ships
# the built files, so `pip install` never needs Node.
$(JS_DEPS): js/package.json js/package-lock.json
	npm ci --prefix js --no-audit --no-fund --loglevel=error
	touch $@

unit: $(VENV) sysdeps $(JS_DEPS)
	$(PY) -m pytest -q

js-test: $(JS_DEPS)
	node --test js/test/

e2e: $(VENV) sysdeps $(JS_DEPS)
	$(PY) -m pytest -q e2e

bench: $(VENV) sysdeps bench-sysdeps
	$(PY) bench/run.py

# Coverage-guided fuzzing (atheris) of the decoders and the rules parser, FUZZ_SECONDS
# per target; the hypothesis fuzz tests in tests/fuzz run with `make unit` instead.
FUZZ_SECONDS ?= 60
fuzz: $(VENV)
	$(PY) fuzz/run.py --seconds $(FUZZ_SECONDS)

# wrk against gunicorn and uvicorn (cleared, challenged, garbage solves) and a Redis
# stopped/frozen/restarted under load; fails on any 5xx or unbounded worker memory growth.
SOAK_SECONDS ?= 10
soak: $(VENV) sysdeps
	$(PY) soak/run.py --seconds $(SOAK_SECONDS)

bench-sysdeps:
	@$(MAKE) --no-print-directory sysdeps DEB_PKGS="$(BENCH_PKGS)"

js: $(JS_DEPS)
	node js/build.mjs

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache
