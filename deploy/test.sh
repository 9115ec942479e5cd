#!/usr/bin/env bash
# Runs NatGateway's whole test suite (unit, bUnit, kernel-in-namespaces, Chromium) and prints
# "N passed, N failed" summed over every test project. Installs what is missing first.
set -uo pipefail
cd "$(dirname "$0")/.."
source deploy/lib/common.sh
natgw_require_root
natgw_ensure_packages "${NATGW_RUNTIME_PACKAGES[@]}" "${NATGW_TEST_PACKAGES[@]}"
natgw_ensure_promtool
natgw_require_dotnet

results="$(mktemp -d /tmp/natgw-test-results.XXXXXX)"
trap 'rm -rf "$results"' EXIT

# tracefs is one mount for the whole host. The drop-capture tests mount it when it is not mounted and unmount it when
# done, but with several test processes at once the one that mounted it may end while another still uses it (then it
# leaves the mount to that user). Whatever happens in between, the run leaves it as it found it.
tracefs_mounted() { grep -q ' - tracefs ' /proc/self/mountinfo; }
tracefs_was_mounted=no; tracefs_mounted && tracefs_was_mounted=yes

set -e
dotnet build NatGateway.sln -c Debug -nologo -v quiet -clp:ErrorsOnly
set +e
# Phase 1: every test project, two at a time (2 cores; as many as `dotnet test NatGateway.sln` ran), the longest first,
# except that the Chromium project waits for Web.Tests: started beside Kernel.Tests' opening burst of natgw processes,
# its first sign-in took over a minute on a loaded box. The short projects fill the gaps beside the two long ones. Projects not named below (a new one)
# follow in name order, so none is skipped. Phase 2: tests that measure global kernel state (slab caches) run alone,
# so the parallel phase's conntrack churn cannot skew them.
# A test that hangs fails after 10 min with a mini dump (CI stays under 15 min) instead of hanging the run.
hang=(--blame-hang-timeout 10m --blame-hang-dump-type mini)
longest_first=(NatGateway.Kernel.Tests NatGateway.Web.Tests NatGateway.Browser.Tests NatGateway.Core.Tests NatGateway.Nat.Tests
  NatGateway.Agent.Tests NatGateway.Conntrack.Tests NatGateway.Conntrack.Mirror.Tests NatGateway.Capacity.Tests)
projects=()
for project in "${longest_first[@]}"; do [ -f "tests/$project/$project.csproj" ] && projects+=("$project"); done
for csproj in tests/*/*.Tests.csproj; do
  project="$(basename "$csproj" .csproj)"
  [[ " ${projects[*]} " == *" $project "* ]] || projects+=("$project")
done
export NATGW_TEST_RESULTS="$results" NATGW_TEST_HANG="${hang[*]}"
# xargs starts the next project as soon as one of the two running ends; it exits non-zero if any of them failed.
# shellcheck disable=SC2016  # $1 and the exported variables expand in the child bash, not here
printf '%s\n' "${projects[@]}" | xargs -P 2 -I{} bash -c '
  dotnet test "tests/$1" -c Debug --no-build --nologo --filter "Category!=Exclusive" $NATGW_TEST_HANG \
    --logger "trx;LogFileName=$1.trx" --logger "console;verbosity=normal" --results-directory "$NATGW_TEST_RESULTS"' _ {}
status=$?
for project in NatGateway.Capacity.Tests NatGateway.Conntrack.Mirror.Tests; do
  dotnet test "tests/$project" -c Debug --no-build --nologo --filter "Category=Exclusive" "${hang[@]}" \
    --logger "trx;LogFileName=exclusive-$project.trx" --logger "console;verbosity=normal" --results-directory "$results"
  exclusive=$?
  [ "$status" -eq 0 ] && status=$exclusive
done

if [ "$tracefs_was_mounted" = no ] && tracefs_mounted; then umount /sys/kernel/tracing 2>/dev/null || true; fi

# Sum the counters of every TRX file: <Counters total=".." executed=".." passed=".." failed=".." ...>
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  p="$(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')"
  f="$(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')"
  t="$(echo "$counters" | sed -n 's/.* total="\([0-9]*\)".*/\1/p')"
  e="$(echo "$counters" | sed -n 's/.* executed="\([0-9]*\)".*/\1/p')"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
