#!/usr/bin/env bash
# A real Slurm on this one machine: munged with a fresh key, slurmctld and slurmd on localhost (no systemd),
# then deploy/slurm/submit-cohort.sh submits the 3-task predict array on the test cohort
# (scripts/make-test-cohort.ts: 12 studies, one broken) with the shipped model, waits for the dependent
# collect job and checks its result: 11 studies done, `broken` failed, one log per task naming the Slurm
# variables it read; then submits the same again and checks that every done study is skipped. The daemons are stopped (scontrol shutdown, then their pids) whatever happens.
#   bash scripts/slurm-local.sh [--log FILE]      (root; installs slurmctld, slurmd, slurm-client and munge on Debian)
# Exit 0: checked; 1: a check failed; 77: cannot run on this machine (not root, packages not installable).
# Ports 16817/16818; everything else lives in a temporary folder (KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
work="$(mktemp -d /tmp/spineseg-slurm.XXXXXX)"
if [ "${1:-}" = --log ]; then
  # the committed log names no path of this machine: the repository and the temporary folder are placeholders
  mkdir -p "$(dirname "$2")"
  exec > >(sed -u -e "s|$work|<tmp>|g" -e "s|$repo|<repo>|g" | tee "$2") 2>&1
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
say() { echo "[slurm-local $(date -u +%T)] $*"; }
fail() { say "FAILED: $*"; exit 1; }
started=$(date +%s)

# exit 77: this machine cannot run it (not root, or the packages cannot be installed); .ci/run reports a skip
cannot() { say "cannot run here: $*"; rm -rf "$work"; exit 77; }
[ "$(id -u)" = 0 ] || cannot "slurmd runs jobs as their user: run this as root"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || cannot "needs slurmctld, slurmd, sbatch and munged (Debian: slurm-wlm munge)"
  say "installing slurmctld, slurmd, slurm-client and munge from Debian"
  pkgs=(slurmctld slurmd slurm-client munge)
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null; } ||
    cannot "apt-get could not install ${pkgs[*]}"
fi

chmod 755 "$work"
mkdir -p "$work"/{munge,state,spool,run,log}
chmod 700 "$work/munge"
export SLURM_CONF="$work/slurm.conf"

pids=()  # name:pid of every daemon started here, read from its pid file once it runs
gone() { ! kill -0 "$1" 2>/dev/null; }
stop() {
  set +e
  [ ${#pids[@]} -gt 1 ] && scontrol shutdown >/dev/null 2>&1
  for entry in "${pids[@]}"; do
    name="${entry%%:*}" pid="${entry##*:}"
    [ "$name" = munged ] && ! gone "$pid" && kill "$pid"
    for _ in $(seq 1 40); do gone "$pid" && break; sleep 0.25; done
    if ! gone "$pid"; then say "$name (pid $pid) still runs: SIGKILL"; kill -9 "$pid"; fi
  done
  say "daemons stopped: ${pids[*]:-none}"
  if [ "${KEEP:-0}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
pidof_file() {
  for _ in $(seq 1 40); do [ -s "$1" ] && { cat "$1"; return; }; sleep 0.25; done
  fail "no pid file $1"
}
trap stop EXIT

say "munged with a fresh key in $work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" --pid-file="$work/munge/munged.pid" \
  --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed"
pids+=("munged:$(pidof_file "$work/munge/munged.pid")")
munge --socket="$work/munge/munge.socket" -n </dev/null | unmunge --socket="$work/munge/munge.socket" >/dev/null || fail "munge does not answer (see $work/munge/munged.log)"

cpus=$(nproc)
cat > "$SLURM_CONF" <<CONF
ClusterName=spineseg-local
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
NodeName=localhost CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF

say "slurmctld and slurmd on localhost ($(slurmctld -V), $cpus CPUs)"
slurmctld -f "$SLURM_CONF"
pids=("slurmctld:$(pidof_file "$work/run/slurmctld.pid")" "${pids[@]}")
slurmd -f "$SLURM_CONF" -N localhost
pids=("slurmd:$(pidof_file "$work/run/slurmd.pid")" "${pids[@]}")
for i in $(seq 1 60); do
  state=$(sinfo -h -N -o '%t' 2>/dev/null || true)
  case "$state" in idle* | mix* | alloc*) break ;; esac
  [ "$i" = 60 ] && { cat "$work/log/slurmctld.log" "$work/log/slurmd.log"; fail "the node did not come up (state: ${state:-none})"; }
  sleep 0.5
done
sinfo

say "test cohort"
npx tsx scripts/make-test-cohort.ts "$work/cohort"
out="$work/out"
export SPINESEG="node $repo/bin/spineseg.mjs"
submitted=$(bash deploy/slurm/submit-cohort.sh 3 "$out" --cohort --input "$work/cohort")
echo "$submitted"
array=$(sed -n 's/^array job \([0-9]*\) .*/\1/p' <<< "$submitted")
collect=$(sed -n 's/.*collect job \([0-9]*\) .*/\1/p' <<< "$submitted")
[ -n "$array" ] && [ -n "$collect" ] || fail "could not read the job ids"
squeue

wait_for() {
  say "waiting for array job $1 and collect job $2"
  for i in $(seq 1 360); do
    [ "$(squeue -h -j "$1,$2" 2>/dev/null | wc -l)" = 0 ] && return
    [ "$i" = 360 ] && { squeue; fail "the jobs did not finish in 180 s"; }
    sleep 0.5
  done
}
wait_for "$array" "$collect"

for f in "$out"/logs/*.log; do
  echo "----- ${f#"$out"/} -----"
  grep -v 'artificially reduced' "$f"
done
echo "----- summary.md -----"
cat "$out/summary.md"

say "checks"
for k in 0 1 2; do
  log="$out/logs/predict-${array}_$k.log"
  [ -f "$log" ] || fail "no log for task $k ($log)"
  grep -q "shard $k/3 (from SLURM_ARRAY_TASK_ID=$k of SLURM_ARRAY_TASK_COUNT=3): 4 studies" "$log" || fail "task $k's log does not name its Slurm shard"
done
grep -q '12 studies: 11 done, 1 failed, 0 incomplete, 0 missing' "$out"/logs/collect-"$collect".log || fail "collect did not report 11 done and 1 failed"
[ "$(tail -n +2 "$out/cohort.csv" | wc -l)" = 12 ] || fail "cohort.csv does not have 12 studies"
grep -q '^broken,.*truncated or damaged PNG' "$out/failures.csv" || fail "failures.csv does not list the broken study"
[ "$(find "$out/studies" -mindepth 2 -maxdepth 2 -name done.json | wc -l)" = 11 ] || fail "not 11 done.json"
say "the same submission again: every done study is skipped, only the broken one is tried again"
again=$(bash deploy/slurm/submit-cohort.sh 3 "$out" --cohort --input "$work/cohort")
echo "$again"
array2=$(sed -n 's/^array job \([0-9]*\) .*/\1/p' <<< "$again")
collect2=$(sed -n 's/.*collect job \([0-9]*\) .*/\1/p' <<< "$again")
wait_for "$array2" "$collect2"
for k in 0 1 2; do
  grep -h "^shard $k/3: " "$out/logs/predict-${array2}_$k.log"
done
grep -q '^shard 0/3: 4 studies: 0 predicted, 3 already done, 1 failed' "$out/logs/predict-${array2}_0.log" || fail "task 0 of the resubmission did not skip its 3 done studies"
for k in 1 2; do grep -q "^shard $k/3: 4 studies: 0 predicted, 4 already done, 0 failed" "$out/logs/predict-${array2}_$k.log" || fail "task $k of the resubmission redid studies"; done
grep -q '12 studies: 11 done, 1 failed, 0 incomplete, 0 missing' "$out"/logs/collect-"$collect2".log || fail "the second collect differs"
say "OK: a 3-task Slurm array and its dependent collect job segmented the 12-study cohort (11 done, broken listed), and resubmitted skipped every done study, in $(($(date +%s) - started)) s"
