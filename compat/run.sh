#!/usr/bin/env bash
# Runs Clerk's official SDKs against the local Backend API:
#
#   compat/js  @clerk/backend (Node's test runner) against `clerk serve`,
#              started here on a free port with a temporary SQLite database
#              and --check-responses (an answer that does not match the
#              spec of its API version fails the run);
#   compat/go  github.com/clerk/clerk-sdk-go/v2 against clerktest (in-process).
#
# Prerequisites: Go, Node.js >= 20.9 with npm, and access to the Go module
# proxy and the npm registry. Exits non-zero if anything fails.
#
#   compat/run.sh
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/clerk-compat.XXXXXX")"
server_pid=""

stop_server() {
	if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null
		wait "$server_pid" 2>/dev/null
	fi
	server_pid=""
}
cleanup() {
	stop_server
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "compat: $*" >&2
	exit 1
}

command -v go >/dev/null || die "go is not installed"
command -v node >/dev/null || die "node is not installed"
command -v npm >/dev/null || die "npm is not installed"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=9)?0:1)' ||
	die "node $(node --version) is too old: @clerk/backend needs >= 20.9"
echo "compat: $(go version), node $(node --version), npm $(npm --version)"

echo "compat: building the clerk command"
(cd "$root" && go build -o "$work/clerk" ./cmd/clerk) || die "go build ./cmd/clerk failed"

echo "compat: starting clerk serve"
# The server reads its secret key and issuer from the environment when set;
# the checks want the defaults.
env -u CLERK_SECRET_KEY -u CLERK_ISSUER -u CLERK_ADDR -u CLERK_DATABASE \
	"$work/clerk" serve --addr 127.0.0.1:0 --database "$work/clerk.db" --check-responses \
	>"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 300); do
	grep -q 'CLERK_PUBLISHABLE_KEY=' "$work/serve.out" 2>/dev/null && break
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q 'CLERK_PUBLISHABLE_KEY=' "$work/serve.out" 2>/dev/null; then
	cat "$work/serve.out" "$work/serve.log" >&2
	die "clerk serve did not start"
fi
value() { sed -n "s/^ *$1=//p" "$work/serve.out" | head -n 1; }
CLERK_API_URL="$(value CLERK_API_URL)"
CLERK_SECRET_KEY="$(value CLERK_SECRET_KEY)"
CLERK_PUBLISHABLE_KEY="$(value CLERK_PUBLISHABLE_KEY)"
# Tests that need a server of their own (webhook delivery) start this binary.
CLERK_BIN="$work/clerk"
export CLERK_API_URL CLERK_SECRET_KEY CLERK_PUBLISHABLE_KEY CLERK_BIN
echo "compat: clerk serve is at $CLERK_API_URL"

js_status=0
echo
echo "=== compat/js: @clerk/backend ==="
(
	cd "$root/compat/js" || exit 1
	if [[ -f package-lock.json ]]; then
		npm ci --no-audit --no-fund
	else
		npm install --no-audit --no-fund
	fi || exit 1
	node --test
) 2>&1 | tee "$work/js.log"
js_status=${PIPESTATUS[0]}

stop_server

go_status=0
echo
echo "=== compat/go: clerk-sdk-go ==="
(cd "$root/compat/go" && go test -count=1 ./...) 2>&1 | tee "$work/go.log"
go_status=${PIPESTATUS[0]}

echo
echo "=== summary ==="
if [[ $js_status -eq 0 ]]; then
	echo "compat/js: PASS ($(sed -n 's/^# pass //p' "$work/js.log") tests)"
else
	echo "compat/js: FAIL"
	grep -E '^ *not ok ' "$work/js.log" | sed 's/^/  /'
fi
if [[ $go_status -eq 0 ]]; then
	echo "compat/go: PASS"
else
	echo "compat/go: FAIL"
	grep -E -e '--- FAIL' -e '^ +[a-z_]+_test\.go:[0-9]+: ' "$work/go.log" | grep -v 'clerktest: the local Backend API answered' |
		cut -c1-400 | sed 's/^/  /'
	if grep -q 'clerktest: the local Backend API answered' "$work/go.log"; then
		echo "  answers that do not match the spec of their API version (count, operation):"
		grep -o 'answered [A-Za-z]* against the spec: specs: [^:]*' "$work/go.log" |
			sed 's/^answered [A-Za-z]* against the spec: specs: //' | sort | uniq -c | sed 's/^/    /'
		echo "  their mismatches (count; array indices shown as N):"
		grep -o 'Error at "[^"]*": .*' "$work/go.log" | sed -E 's#/[0-9]+/#/N/#g; s#"/[0-9]+"#"/N"#g' |
			cut -c1-200 | sort | uniq -c | sort -rn | sed 's/^/    /'
	fi
fi
# The server checks its answers to the JavaScript SDK against the spec
# (--check-responses) and logs every mismatch, or anything else that went
# wrong, as an error: either fails the run.
serve_status=0
if [[ -s "$work/serve.log" ]] && grep -q 'level=ERROR' "$work/serve.log"; then
	serve_status=1
	echo "clerk serve: FAIL, it logged errors (answers that do not match the spec, or worse):"
	grep 'level=ERROR' "$work/serve.log" | cut -c1-400 | sed 's/^/  /'
else
	echo "clerk serve: PASS (every answer to the JavaScript SDK matched the spec)"
fi
[[ $js_status -eq 0 && $go_status -eq 0 && $serve_status -eq 0 ]]
