#!/bin/sh
# Runs each fuzz target for a short while (default 30 s; FUZZ_SECONDS overrides), one
# after another, from the committed seeds. Installs cargo-fuzz when it is missing.
# Exits non-zero when a target does not build or finds a crash, a panic or a timeout;
# the input is left in fuzz/artifacts/<target>/ (fuzz/README.md says how to turn it
# into a regression test).
set -eu
cd "$(dirname "$0")"
seconds="${FUZZ_SECONDS:-30}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    # Pinned, so a new cargo-fuzz release cannot change what CI runs.
    cargo install cargo-fuzz --locked --version 0.13.2
fi

# cargo-fuzz passes nightly-only flags (-Z sanitizer, -Cpasses); a stable toolchain
# accepts them with RUSTC_BOOTSTRAP=1. On nightly this is harmless.
export RUSTC_BOOTSTRAP=1

for target in reply normalize rules; do
    case "$target" in
        rules) flags="-max_len=16384 -dict=rules.dict -timeout=10" ;;
        *) flags="-max_len=8192 -timeout=10" ;;
    esac
    # New inputs go to work/ (ignored by git); the seeds in corpus/ are only read.
    mkdir -p "work/$target"
    echo "== $target: ${seconds}s"
    log="work/$target.log"
    rc=0
    # shellcheck disable=SC2086
    cargo fuzz run "$target" "work/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 $flags >"$log" 2>&1 || rc=$?
    grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|SUMMARY|Test unit written)|panicked' "$log" || true
    if [ "$rc" -ne 0 ]; then
        tail -n 40 "$log" >&2
        echo "!! $target failed (exit $rc); log in fuzz/$log, inputs in fuzz/artifacts/$target/" >&2
        exit 1
    fi
done
echo "smoke: no findings"
