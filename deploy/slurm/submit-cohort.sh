#!/usr/bin/env bash
# Submits a cohort `spineseg predict` as a Slurm array of N shards and a collect job that runs after all of them:
#   deploy/slurm/submit-cohort.sh N OUT --cohort --input COHORT [more predict flags: --checkpoint DIR, --overlay, ...]
#   deploy/slurm/submit-cohort.sh N OUT --manifest COHORT.csv [...]
# Logs: OUT/logs/predict-<array job>_<task>.log per task, OUT/logs/collect-<job>.log. Extra sbatch options
# (partition, account, GPUs) go in SBATCH_EXTRA, e.g. SBATCH_EXTRA="--partition=gpu --gres=gpu:1".
# Prints the two job ids. Resubmitting the same command later redoes only what is not done.
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,8p' "$0" >&2
  exit 1
fi
here="$(cd "$(dirname "$0")" && pwd)"
n="$1"
out="$2"
shift 2
case "$n" in '' | *[!0-9]* | 0) echo "submit-cohort.sh: N = \"$n\": expected a shard count >= 1" >&2; exit 1 ;; esac
mkdir -p "$out/logs"
out="$(cd "$out" && pwd)"
read -r -a extra <<< "${SBATCH_EXTRA:-}"
array=$(sbatch --parsable "${extra[@]}" --array="0-$((n - 1))" --output="$out/logs/predict-%A_%a.log" "$here/predict-array.sbatch" --output "$out" "$@")
array="${array%%;*}"
collect=$(sbatch --parsable "${extra[@]}" --dependency="afterany:$array" --output="$out/logs/collect-%j.log" "$here/collect.sbatch" "$out")
collect="${collect%%;*}"
echo "array job $array ($n tasks), collect job $collect (after all of them); logs in $out/logs"
