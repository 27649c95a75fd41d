# Jiceng (基层) — the developer's entry points. Quick start: `make up`, then `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.js web/package.json web/package-lock.json

.PHONY: web up up-federation down-federation down status seed announce backup restore test test-unit test-security faults fuzz audit bench bench-orgs bench-import bench-content bench-media bench-sms bench-geo bench-federation bench-web bench-system lint deps venv clean

## up: install what is missing, start the local region with demo data, print where to open it
up: deps venv web
	$(PY) -m devstack up

## up-federation: tianjin, beijing and the central office side by side, peers of each other, with demo data
up-federation: deps venv web
	$(PY) -m devstack federation up

## down-federation: stop the three federated regions (data kept under .jiceng/)
down-federation:
	@if [ -x $(PY) ]; then $(PY) -m devstack federation down; fi

## down: stop the local region (data is kept under .jiceng/<region>)
down:
	@if [ -x $(PY) ]; then $(PY) -m devstack down; fi

## status: each process of the local region and its health
status:
	$(PY) -m devstack status

## seed: (re)create the demo admin and demo data
seed:
	$(PY) -m devstack seed

## announce: publish identity's and orgs' current state again (for a service added to an existing region)
announce:
	$(PY) -m devstack announce

## backup: the running region (databases, object store, keys) to a dated, checksummed archive in .jiceng/backups (OUT=dir elsewhere)
backup: venv
	$(PY) -m devstack backup $(if $(OUT),--out $(OUT))

## restore: ARCHIVE=path into the stopped, empty region, then start it (FORCE=1 replaces the data it holds)
restore: deps venv
	@[ -n "$(ARCHIVE)" ] || { echo "usage: make restore ARCHIVE=.jiceng/backups/jiceng-<region>-<time>.tar"; exit 1; }
	$(PY) -m devstack restore $(ARCHIVE) $(if $(FORCE),--force)

## test: everything: unit, service and end-to-end tests (starts and stops the servers they need)
test: deps venv web
	$(PY) -m pytest --durations=15

## test-unit: the fast tests of pure domain code (no servers)
test-unit: venv
	$(PY) -m pytest -m unit

## test-security: tenant isolation, the permission matrix, tokens, rate limits, hostile input (tests/security)
test-security: deps venv
	$(PY) -m pytest -m security tests/security

## faults: kill -9 each process, restart the broker and the database under the mixed workload; prints the
## recovery times and keeps them in bench/results/faults-<date>.txt (a region of its own, ~5 min)
faults: deps venv
	$(PY) -m pytest tests/faults -m faults -s
	@mkdir -p bench/results && cp test-artifacts/faults.txt bench/results/faults-$$(date -u +%F).txt

## bench: gateway and gRPC throughput at rising concurrency, then orgs at region scale (long: see bench/README.md)
bench: deps venv
	$(PY) -m bench.gateway_auth
	$(PY) -m bench.orgs_scale $(SCALE)

## bench-orgs: orgs at scale only; e.g. make bench-orgs SCALE="--orgs 30000 --members 300000"
bench-orgs: deps venv
	$(PY) -m bench.orgs_scale $(SCALE)

## bench-content: the microblog mix (home/person timelines, posts) open loop through the gateway, and fan-out
## latency, on 100,000 seeded people (long: ~1 h of seeding here); e.g. make bench-content MIX="--people 20000 --rates 50,100"
bench-content: deps venv
	$(PY) -m bench.content_mix $(MIX)

## bench-media: transcode throughput (media minutes per wall minute) and HLS serving; e.g. make bench-media MEDIA="--videos 2"
bench-media: deps venv
	$(PY) -m bench.media $(MEDIA)

## bench-sms: a bulk send to 100,000 members: accept and queue time, submit rate against the SMSC's TPS; e.g. make bench-sms SMS="--people 20000 --tps 200"
bench-sms: deps venv
	$(PY) -m bench.sms $(SMS)

## bench-geo: nearest orgs among 300,000 (p99) and location-report ingest; e.g. make bench-geo GEO="--orgs 100000 --devices 500"
bench-geo: deps venv
	$(PY) -m bench.geo $(GEO)

## bench-federation: a signed cross-region request against an ordinary one, and the relay's delivery rate between two regions
bench-federation: deps venv
	$(PY) -m bench.federation $(FEDERATION)

## bench-web: the web app's first visit on throttled phone connections (first contentful paint) and its bundle sizes
bench-web: deps venv web
	$(PY) -m bench.web $(WEB)

## bench-system: the whole region under the mixed workload at rising arrival rates until it saturates; writes
## bench/results/system-<date>.json/.md (~10 min; --quick ~3 min); e.g. make bench-system SYSTEM="--quick"
bench-system: deps venv
	$(PY) -m bench.system $(SYSTEM)

## bench-import: roster import throughput
bench-import: deps venv
	$(PY) -m bench.orgs_import

## fuzz: the gateway fuzzed from its OpenAPI document, longer than in make test (~5 min); e.g. make fuzz FUZZ_EXAMPLES=200
FUZZ_EXAMPLES ?= 50
fuzz: deps venv
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
		$(PY) -m pytest tests/fuzz -m fuzz -o timeout=3600 -s

## audit: known vulnerabilities in the installed Python packages (pip-audit) and web/'s npm packages (npm audit);
## fails, saying why, when the vulnerability sources cannot be reached (docs/security.md)
audit: venv
	@bash scripts/audit.sh

## lint: ruff
lint: venv
	$(VENV)/bin/ruff check .

## web: build the web app (web/ → web/dist, served by the gateway under /app/) when its sources changed
web: web/dist/.built

web/dist/.built: $(WEB_SOURCES)
	cd web && npm ci --no-audit --no-fund --loglevel=error && npx vite build
	@touch $@

deps:
	@bash scripts/install-system-packages.sh

venv: $(STAMP)

$(STAMP): pyproject.toml setup.py $(shell find protos -name '*.proto')
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

clean: down
	rm -rf $(VENV) jiceng build *.egg-info web/node_modules web/dist
