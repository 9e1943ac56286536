#!/bin/bash
# docgraph over a large folder as a Slurm array job: N shards, then one merge.
#
#   sbatch --array=1-16 docs/slurm-array.sh /shared/pdfs /shared/docgraph-out 16
#   # when every task is done (or chain it: sbatch --dependency=afterok:<jobid> ...):
#   docgraph merge /shared/docgraph-out/shard-* -o /shared/docgraph-out/all
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
exec docgraph ingest "$input" \
    -o "$out/shard-$SLURM_ARRAY_TASK_ID" \
    --shard "auto/$shards" \
    -j "${SLURM_CPUS_PER_TASK:-1}" \
    --progress json
