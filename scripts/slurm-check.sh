#!/usr/bin/env bash
# Checks the Slurm recipe (docs/slurm-array.sh) on a real scheduler: stands up a one-node
# Slurm from Debian's packages (slurm-wlm, munge) on this machine, submits the recipe over a
# folder as an array of 3, waits, merges the shards, and compares the merged graph.json with
# one plain run byte for byte. Needs root (it starts munged, slurmctld and slurmd); not part of
# the two commands (services cannot run in CI).
#
#   bash scripts/slurm-check.sh [FOLDER]     # default: fixtures/corpus
#
# Everything Slurm writes (configuration, state, spool, logs) stays under target/slurm-check;
# the daemons are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
input=$(realpath "${1:-fixtures/corpus}")
shards=3

[ "$(id -u)" -eq 0 ] || { echo "slurm-check: run as root (it starts Slurm's daemons)" >&2; exit 2; }
bash scripts/setup.sh --slurm
bash scripts/build.sh
bin=$root/target/release

work=$root/target/slurm-check
rm -rf "$work"
mkdir -p "$work"/{state,spool,log,out}
host=$(hostname -s)
cpus=$(nproc)
memory=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024))
export SLURM_CONF=$work/slurm.conf
# No cgroups (a container may not delegate them): processes tracked by their parent ids, no
# task binding, no accounting.
cat >"$SLURM_CONF" <<EOF
ClusterName=docgraph-check
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
MpiDefault=none
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=check Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

stop() {
  [ -f "$work/slurmd.pid" ] && kill "$(cat "$work/slurmd.pid")" 2>/dev/null || true
  [ -f "$work/slurmctld.pid" ] && kill "$(cat "$work/slurmctld.pid")" 2>/dev/null || true
  [ -n "${munged_started:-}" ] && pkill -x munged 2>/dev/null || true
}
trap stop EXIT

if ! pgrep -x munged >/dev/null; then
  mkdir -p /run/munge && chown munge:munge /run/munge
  runuser -u munge -- /usr/sbin/munged
  munged_started=1
fi
/usr/sbin/slurmctld -f "$SLURM_CONF"
/usr/sbin/slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
  sinfo -h -o %T 2>/dev/null | grep -qx idle && break
  sleep 1
done
sinfo

# The recipe as a user submits it. Options on the command line override its #SBATCH lines
# where this one node is smaller than the recipe asks (4 cores, 8 GB a task).
cd "$work/out"
job=$(PATH="$bin:$PATH" DOCGRAPH_MODEL_DIR="$root/models/ner-minilm-l6-conll03" \
  sbatch --parsable --array=1-$shards --cpus-per-task=1 --mem=3G \
  "$root/docs/slurm-array.sh" "$input" "$work/out" "$shards")
echo "slurm-check: submitted array job $job ($shards tasks)"
# The merge as the recipe chains it: a job that starts once every task ended COMPLETED.
merge=$(PATH="$bin:$PATH" sbatch --parsable --dependency=afterok:"$job" --cpus-per-task=1 \
  --mem=1G --output="$work/out/merge-%j.log" \
  --wrap "docgraph merge $work/out/shard-* -o $work/merged")
echo "slurm-check: submitted the merge as job $merge (afterok:$job)"
for _ in $(seq 1800); do
  [ -z "$(squeue -h -j "$job,$merge" 2>/dev/null)" ] && break
  # A dependency that can never be met leaves the merge pending for ever.
  squeue -h -j "$merge" -o %r 2>/dev/null | grep -q DependencyNeverSatisfied && break
  sleep 1
done
for id in "$job" "$merge"; do
  scontrol -o show job "$id" | grep -oE "^JobId=[0-9]+|ArrayTaskId=[0-9]+|JobState=[A-Z_]+|Reason=[A-Za-z_]+|ExitCode=[0-9:]+" |
    paste -sd' ' | sed 's/ JobId=/\nJobId=/g'
done
for i in $(seq $shards); do
  [ -f "$work/out/shard-$i/graph.json" ] || {
    echo "slurm-check: task $i wrote no graph.json; its log:" >&2
    cat "$work/out/docgraph-${job}_$i.log" >&2 || true
    exit 1
  }
done
completed=$(scontrol -o show job "$job" | grep -c "JobState=COMPLETED" || true)
[ "$completed" -eq "$shards" ] || {
  echo "slurm-check: $completed of $shards tasks ended COMPLETED" >&2
  exit 1
}
# The merge's own status is the run's: 3 when the folder has broken files (the fixtures do).
scontrol -o show job "$merge" | grep -qE "ExitCode=(0|3):0" || {
  echo "slurm-check: the merge job failed; its log:" >&2
  cat "$work"/out/merge-*.log >&2 || true
  exit 1
}
[ -f "$work/merged/graph.json" ] || {
  echo "slurm-check: the chained merge did not run (a task did not end COMPLETED?)" >&2
  exit 1
}
echo "slurm-check: $shards tasks and the chained merge finished"

# One plain run to compare with (exit status 3: the fixtures' broken files failed, as they
# should; the rest completed).
status=0
"$bin/docgraph" ingest "$input" -o "$work/plain" --progress none --summary json >/dev/null || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || exit "$status"
if cmp "$work/merged/graph.json" "$work/plain/graph.json"; then
  echo "slurm-check: passed: the merge of $shards Slurm tasks is byte-identical to one run ($(wc -c <"$work/plain/graph.json") bytes of graph.json)"
else
  echo "slurm-check: FAILED: the merged graph.json differs from one run's" >&2
  exit 1
fi
