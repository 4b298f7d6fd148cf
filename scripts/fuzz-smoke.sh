#!/usr/bin/env bash
# Runs every libFuzzer target of a -Dfuzz=true build for FUZZ_SECONDS (default
# 20) with its seed corpus (fuzz/ROOM/corpus/TARGET/, copied to a scratch
# folder so runs add nothing to the tree). Fails on any crash, leak or hang.
set -euo pipefail
build=${1:?usage: fuzz-smoke.sh BUILD_DIR}
secs=${FUZZ_SECONDS:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
for bin in $(find "$build/fuzz" -type f -executable -name 'fuzz_*' | sort); do
	name=$(basename "$bin")
	room=$(basename "$(dirname "$bin")")
	corpus="$work/$name"
	mkdir -p "$corpus"
	[ -d "$root/fuzz/$room/corpus/$name" ] && cp -r "$root/fuzz/$room/corpus/$name/." "$corpus/"
	echo "fuzz: $name for ${secs}s"
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
		"$corpus" >"$work/$name.log" 2>&1 || { tail -50 "$work/$name.log"; echo "fuzz: $name FAILED"; exit 1; }
	n=$((n + 1))
done
echo "fuzz: $n targets ran clean"
[ "$n" -gt 0 ]
