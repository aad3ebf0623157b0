#!/usr/bin/env bash
# Encode a large image folder as a SLURM job array: task i of N encodes shard i/N.
# Each task writes its own .npy (+ .json sidecar); rerunning a task resumes where it stopped.
# When all tasks are done, join the shards:
#   npx insilico-eeg merge --out responses.npy shards/part-*.npy
#
# Submit with, e.g.:  sbatch --array=0-15 scripts/slurm/encode_array.sh /data/images /models/eeg-things_eeg_2-alexnet_untrained/sub-01
#SBATCH --job-name=insilico-eeg
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=04:00:00
#SBATCH --output=logs/insilico-eeg-%A_%a.out
set -euo pipefail

IMAGES=${1:?usage: encode_array.sh IMAGE_DIR MODEL_DIR [OUT_DIR]}
MODEL=${2:?usage: encode_array.sh IMAGE_DIR MODEL_DIR [OUT_DIR]}
OUT=${3:-shards}
N=${SLURM_ARRAY_TASK_COUNT:?run this as a job array (sbatch --array=0-N)}
I=${SLURM_ARRAY_TASK_ID:?run this as a job array (sbatch --array=0-N)}

mkdir -p "$OUT" logs
# Shards are contiguous, deterministic ranges of the sorted file list: the same i/N always
# selects the same images, so a requeued task resumes its own partial output.
# --device cpu: ONNX Runtime on the CPUs SLURM gave the task (--threads follows them); on a GPU
# partition use --device cuda (WebGPU through Dawn and the NVIDIA Vulkan driver). Progress goes to
# the job log every 10 s with images/s and time left; add --quiet for none.
npx insilico-eeg encode --model "$MODEL" --images "$IMAGES" \
  --out "$OUT/part-$(printf '%05d' "$I").npy" --shard "$I/$N" \
  --device "${DEVICE:-cpu}" --threads "${SLURM_CPUS_PER_TASK:-2}"
