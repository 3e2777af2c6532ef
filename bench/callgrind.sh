#!/usr/bin/env bash
# Instructions per verification, counted by valgrind's callgrind: a
# measure that does not depend on the machine's timing noise. It runs the
# auth package's own benchmarks (BenchmarkFloor, BenchmarkVerify,
# BenchmarkAuthenticateRequestWarmJWKS, and with the token cache on
# BenchmarkVerifyCachedFirstSeen and BenchmarkVerifyCachedHit) twice, with
# 300 and 600 iterations, collecting only inside the measured calls, and
# divides the difference by 300 so that setup cancels out.
#
# Usage: bench/callgrind.sh   (needs valgrind; about 4 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/auth.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" ./auth

count() { # benchmark, iterations, functions to collect...
	local bench=$1 n=$2; shift 2
	local toggles=()
	for f in "$@"; do toggles+=(--toggle-collect="$f"); done
	GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "${toggles[@]}" \
		"$bin" -test.run '^$' -test.bench "^$bench\$" -test.benchtime "${n}x" 2>&1 |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
perop() { # name, benchmark, functions...
	local name=$1 bench=$2; shift 2
	local a b
	a=$(count "$bench" 300 "$@")
	b=$(count "$bench" 600 "$@")
	echo "$name $(( (b - a) / 300 ))"
}
floor=$(perop Floor BenchmarkFloor 'crypto/rsa.VerifyPKCS1v15' 'crypto/sha256.Sum256')
verify=$(perop Verify BenchmarkVerify 'github.com/clerkgo/clerk/auth.(*Verifier).verify')
authreq=$(perop AuthenticateRequest BenchmarkAuthenticateRequestWarmJWKS 'github.com/clerkgo/clerk/auth.(*Verifier).AuthenticateRequest')
firstseen=$(perop 'Verify, cache on, first-seen token' BenchmarkVerifyCachedFirstSeen 'github.com/clerkgo/clerk/auth.(*Verifier).verify')
hit=$(perop 'Verify, cache on, repeated token' BenchmarkVerifyCachedHit 'github.com/clerkgo/clerk/auth.(*Verifier).verify')
f=${floor#* }
echo "| measured | instructions per op | × floor |"
echo "| --- | ---: | ---: |"
for row in "$floor" "$verify" "$authreq" "$firstseen" "$hit"; do
	n=${row##* }
	printf '| %s | %d | %s× |\n' "${row% *}" "$n" "$(awk -v n="$n" -v f="$f" 'BEGIN { printf "%.3f", n / f }')"
done
