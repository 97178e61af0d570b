#!/usr/bin/env bash
# Long fuzzing campaign: every libFuzzer target of a fuzz-preset build runs until it has
# executed RUNS inputs (default 10 million), JOBS targets at a time, slowest first.
#   fuzz/campaign.sh [BUILD_DIR=build/fuzz] [RUNS=10000000] [JOBS=2] [OUT=fuzz-campaign]
# Each target's log, new corpus entries and crash artifacts go to OUT/<target>/; OUT/summary.tsv
# gets one line per target: name, executions, seconds, result (ok | crash:<artifact>).
# MAX_TIME=S also stops each target after S seconds (CI's short run); ONLY="chunk amf0" runs
# just those targets. FUZZ_FLAGS="-entropic=0" adds libFuzzer flags to every run.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/fuzz}
runs=${2:-10000000}
jobs=${3:-2}
out=${4:-fuzz-campaign}
mkdir -p "$out"

targets=()
for f in "$build"/fuzz/fuzz_* "$build"/apps/relay/fuzz_*; do
  [[ -x $f ]] || continue
  [[ -z ${ONLY:-} || " $ONLY " == *" $(basename "$f" | sed 's/^fuzz_//') "* ]] && targets+=("$f")
done
((${#targets[@]})) || { echo "no fuzz targets under $build (cmake --preset fuzz first)"; exit 1; }

corpus_of() {
  local short=$1
  if [[ -d apps/relay/fuzz/corpus/$short ]]; then echo "apps/relay/fuzz/corpus/$short"; else echo "fuzz/corpus/$short"; fi
}

run_one() {
  local f=$1 runs=$2 out=$3
  local name short dir corpus start rc artifact
  name=$(basename "$f"); short=${name#fuzz_}
  dir="$out/$short"; mkdir -p "$dir/new"
  corpus=$(corpus_of "$short")
  start=$(date +%s)
  "$f" -runs="$runs" ${MAX_TIME:+-max_total_time=$MAX_TIME} ${FUZZ_FLAGS:-} -dict=fuzz/rtmp.dict -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/" "$dir/new" "$corpus" >"$dir/log" 2>&1
  rc=$?
  local execs
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$dir/log" | awk '{print $2}' | tail -1)
  artifact=$(ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* 2>/dev/null | head -1)
  local result=ok
  if ((rc != 0)) || [[ -n $artifact ]]; then result="crash:${artifact:-rc=$rc}"; fi
  printf '%s\t%s\t%s\t%s\n' "$short" "${execs:-?}" "$(($(date +%s) - start))" "$result" | tee -a "$out/summary.tsv"
}
export -f run_one corpus_of

# Slowest targets first so the two queues end together.
order=(server_session client_session handshake chunk relay_stream amf0 hevc_config amf3
       flv_file demux connect_caps track_filter mp4_reader mod_ex avc_config aac_config
       opus_head vp9_config av1_config)
sorted=()
for s in "${order[@]}"; do
  for f in "${targets[@]}"; do [[ $(basename "$f") == "fuzz_$s" ]] && sorted+=("$f"); done
done
for f in "${targets[@]}"; do [[ " ${sorted[*]} " == *" $f "* ]] || sorted+=("$f"); done

printf '%s\n' "${sorted[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$runs" "$out"
! grep -q crash "$out/summary.tsv"
