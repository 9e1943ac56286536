#!/bin/bash
# docgraph over a large folder as a Slurm array job: N shards, then one merge.
#
#   sbatch --array=1-16 docs/slurm-array.sh /shared/pdfs /shared/docgraph-out 16
#   # when every task is done, or chained to the array (<jobid>: what the first sbatch printed):
#   docgraph merge /shared/docgraph-out/shard-* -o /shared/docgraph-out/all
#   sbatch --dependency=afterok:<jobid> --wrap \
#       'docgraph merge /shared/docgraph-out/shard-* -o /shared/docgraph-out/all'
#
# Checked on a one-node Slurm 22.05 (Debian 12) by scripts/slurm-check.sh: array of 3 over the
# fixtures, merge chained with afterok, merged graph.json byte-identical to one plain run.
#
# Every task walks the same folder and keeps the documents whose content hash falls in its
# shard (--shard auto/N reads SLURM_ARRAY_TASK_ID), writing a complete output of its own.
# A failed or killed task is re-run with the same index (sbatch --array=7 ...): it resumes
# from its own cache, so only the documents it had not finished are processed.
#SBATCH --job-name=docgraph
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=24:00:00
#SBATCH --output=docgraph-%A_%a.log
set -euo pipefail

input=${1:?input folder}
out=${2:?output folder}
shards=${3:?number of shards, the same as --array has tasks}

# Models and Tesseract data must be on every node (installed with scripts/install.sh PREFIX,
# or DOCGRAPH_MODEL_DIR pointing at a shared copy of models/).
# One worker per allocated core; JSON progress lines go to the task's log.
status=0
docgraph ingest "$input" \
    -o "$out/shard-$SLURM_ARRAY_TASK_ID" \
    --shard "auto/$shards" \
    -j "${SLURM_CPUS_PER_TASK:-1}" \
    --progress json || status=$?
# Exit status 3: some documents failed (broken files, listed in the shard's report.json) and
# the rest completed. The task did its job: end it COMPLETED, so the merge chained with
# --dependency=afterok runs (on a real Slurm a job that exits 3 ends FAILED, and a merge
# chained with afterok to a failed task never starts).
if [ "$status" -eq 3 ]; then
    exit 0
fi
exit "$status"
