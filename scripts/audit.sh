#!/usr/bin/env bash
# Dependency audit (`make audit`): the project's installed Python environment (.venv) with pip-audit, and the
# web app's locked npm packages with `npm audit`. Clean: exit 0. A known vulnerability: its report, exit 1.
# A vulnerability source that cannot be reached is a failure too, never a silent pass (see docs/security.md:
# pip-audit's PyPI source answers "Dependency not found on PyPI" for every package behind a mirror without
# PyPI's JSON API, and with --strict that is an error, not "No known vulnerabilities found").
#
# pip-audit runs from a tool venv of its own (.venv-audit), auditing .venv's site-packages by path, so the
# audit neither changes nor includes packages the project does not install.
set -uo pipefail

VENV=${VENV:-.venv}
TOOLS=${AUDIT_VENV:-.venv-audit}
PYTHON=${PYTHON:-python3.11}
SERVICES=${AUDIT_SERVICES:-pypi osv}  # pip-audit's vulnerability sources, tried in turn until one answers
OUT=${AUDIT_OUT:-build/audit}
mkdir -p "$OUT"

unreachable() {
  echo "AUDIT FAILED: $1 could not be reached from this machine; nothing was audited." >&2
  echo "  Run 'make audit' where PyPI's JSON API (pypi.org), api.osv.dev and registry.npmjs.org are reachable." >&2
  echo "  Details: $2" >&2
}

site=$(ls -d "$VENV"/lib/python3*/site-packages 2>/dev/null | head -1)
[ -n "$site" ] || { echo "no $VENV: run 'make venv' first" >&2; exit 1; }
if [ ! -x "$TOOLS/bin/pip-audit" ]; then
  "$PYTHON" -m venv "$TOOLS" && "$TOOLS/bin/pip" install -q 'pip-audit>=2.7' >"$OUT/pip-audit-install.log" 2>&1 ||
    { echo "could not install pip-audit (see $OUT/pip-audit-install.log)" >&2; exit 1; }
fi

status=0

# -- Python ---------------------------------------------------------------------------------------------
python_done=""
for service in $SERVICES; do
  log="$OUT/pip-audit-$service.json"
  "$TOOLS/bin/pip-audit" --skip-editable --desc on -f json -s "$service" --path "$site" >"$log" 2>"$OUT/pip-audit-$service.err"
  # 0: clean; 1: findings; 2: the source was unreachable (nothing audited); 3: some packages not audited
  "$TOOLS/bin/python" - "$service" "$log" "$OUT/pip-audit-$service.err" <<'PY'
import json, sys
service, path, err = sys.argv[1:]
try:
    deps = json.load(open(path))["dependencies"]
except (OSError, ValueError, KeyError):
    print(f"AUDIT FAILED: pip-audit's '{service}' vulnerability source could not be reached; nothing was audited.",
          file=sys.stderr)
    print("  " + (open(err).read().strip().splitlines() or ["(no output)"])[-1][:300], file=sys.stderr)
    sys.exit(2)
skipped = [d for d in deps if "skip_reason" in d]
found = [d for d in deps if d.get("vulns")]
if deps and len(skipped) == len(deps):
    print(f"AUDIT FAILED: pip-audit's '{service}' vulnerability source knows none of the {len(deps)} packages "
          f"(e.g. {skipped[0]['skip_reason']}): it is unreachable from here, nothing was audited.", file=sys.stderr)
    sys.exit(2)
for d in found:
    for v in d["vulns"]:
        fixed = ", ".join(v.get("fix_versions") or []) or "no fix yet"
        print(f"{d['name']} {d['version']}: {v['id']} (fixed in {fixed}) {(v.get('description') or '')[:200]}")
for d in skipped:
    print(f"not audited: {d['skip_reason']}", file=sys.stderr)
print(f"pip-audit ({service}): {len(deps)} packages, {len(found)} with known vulnerabilities, "
      f"{len(skipped)} not audited")
sys.exit(1 if found else 3 if skipped else 0)
PY
  rc=$?
  if [ $rc -eq 2 ]; then
    continue
  fi
  python_done=$service
  [ $rc -eq 0 ] || status=1
  break
done
if [ -z "$python_done" ]; then
  unreachable "every pip-audit vulnerability source ($SERVICES)" "see $OUT/pip-audit-*"
  status=2
fi

# -- web (npm) --------------------------------------------------------------------------------------------
if [ -f web/package-lock.json ]; then
  log="$OUT/npm-audit.txt"
  (cd web && npm audit --package-lock-only) >"$log" 2>&1
  rc=$?
  if grep -qE "audit endpoint returned an error|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|405 Method Not Allowed" "$log"; then
    unreachable "npm's audit endpoint" "$(grep -m1 -E "405|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|endpoint" "$log") (full output: $log)"
    status=2
  elif [ $rc -eq 0 ]; then
    echo "npm audit: no known vulnerabilities in web/ (package-lock.json)"
  else
    echo "npm audit: findings (full output: $log)" >&2
    cat "$log" >&2
    status=1
  fi
fi

exit $status
