#!/usr/bin/env bash
# The whole test suite, from a clean clone on a fresh Debian 12 machine (root):
#   1. installs what the tests need (scripts/install-deps.sh)
#   2. builds with gcc and runs every suite (unit + integration)
#   3. builds with clang + AddressSanitizer + UndefinedBehaviorSanitizer and
#      runs every suite again (leaks fail the run)
#   4. builds with clang + ThreadSanitizer and runs the suites whose code runs
#      threads (netplan: the sender and the read-ahead of the kernel's state;
#      dnsctl: verify's one thread per server)
#   5. builds the libFuzzer targets and runs each for a bounded time
# .ci/run calls exactly this. Exit status: 0 only if everything passed.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

step() { printf '\n=== %s ===\n' "$*"; }

step "build (gcc)"
rm -rf build-test build-asan build-tsan build-fuzz
CC=gcc meson setup build-test -Dbuildtype=debugoptimized
ninja -C build-test

step "test suite (gcc)"
meson test -C build-test --print-errorlogs --num-processes 2

step "build (clang, ASan + UBSan)"
CC=clang meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
	-Dbuildtype=debug
ninja -C build-asan

step "test suite (ASan + UBSan)"
meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 3

step "threads (clang, ThreadSanitizer)"
CC=clang meson setup build-tsan -Db_sanitize=thread -Dbuildtype=debug
ninja -C build-tsan
TSAN_OPTIONS=halt_on_error=1 meson test -C build-tsan --print-errorlogs --num-processes 2 \
	--timeout-multiplier 3 --suite netplan --suite dnsctl

step "fuzz smoke"
CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false -Db_sanitize=address,undefined \
	-Db_lundef=false -Dbuildtype=debug
ninja -C build-fuzz
bash scripts/fuzz-smoke.sh build-fuzz

step "all passed"
