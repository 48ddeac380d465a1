#!/usr/bin/env bash
# The checks we run when a GPU is lent, in one go (each step logged; a failing step does not stop
# the next). From the repository root, on the GPU machine:
#   bash bench/device_check.sh [--out DIR] [--config CONF] [--batch_size N] [--seconds S]
# 1. the bf16 and FLOP-count tests on CUDA (tests/training/test_precision.py, test_flops.py);
# 2. a tiny pretraining run through ESPnet's trainer on the GPU with --use_amp true (bf16 autocast):
#    2 epochs on 48 utterances of noise, then a resumed third epoch;
# 3. bench/bench_scale.py on CONF (default: XL): pretraining and CTC step throughput, MFU, peak
#    memory vs bigssl.bin.model_info's estimate, CTC pseudo-labeling RTFx per batch size.
# Wheels the GPU image lacks (espnet and its needs) are installed from .whl/ when present.
set -euo pipefail
py=${PYTHON:-python3}
out=${OUT:-bench_out}
config=egs/TEMPLATE/asr1/conf/ssl/pretrain_xl.yaml
batch_size=16
seconds=15
label_batch_sizes="1 16 64"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --batch_size) batch_size=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --label_batch_sizes) label_batch_sizes=$2; shift 2 ;;
    *) echo "$0: unknown option '$1'" >&2; exit 2 ;;
  esac
done
mkdir -p "${out}"
export PYTHONUNBUFFERED=1
if [ -d .whl ]; then
  "${py}" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:${PWD}${PYTHONPATH:+:${PYTHONPATH}}"
else
  export PYTHONPATH="${PWD}${PYTHONPATH:+:${PYTHONPATH}}"
fi
failed=()
step() {  # step NAME COMMAND...: run, log to $out/NAME.log, keep going on failure
  local name=$1; shift
  echo "== ${name}: $*"
  local start; start=$(date +%s)
  if "$@" > "${out}/${name}.log" 2>&1; then
    echo "   ok ($(( $(date +%s) - start )) s)"
  else
    echo "   FAILED ($(( $(date +%s) - start )) s); tail of ${name}.log:"; tail -15 "${out}/${name}.log"
    failed+=("${name}")
  fi
}
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm --format=csv || true
"${py}" -c "import torch, torchaudio; print('torch', torch.__version__, 'torchaudio', torchaudio.__version__, 'cuda', torch.cuda.is_available())"

step tests "${py}" -m pytest -q -p no:cacheprovider tests/training/test_precision.py tests/training/test_flops.py \
  -k "not scale_bench"

tiny_gpu_pretraining() {
  local dir="${out}/tiny"
  rm -rf "${dir}"; mkdir -p "${dir}/data"
  "${py}" - "${dir}/data" <<'EOF'
import sys
from pathlib import Path

import numpy as np
import soundfile

root = Path(sys.argv[1])
rng = np.random.default_rng(0)
with open(root / "wav.scp", "w") as scp, open(root / "speech_shape", "w") as shape:
    for i in range(48):
        samples = int(16000 * rng.uniform(1.0, 3.0))
        path = root / f"utt{i:03d}.wav"
        soundfile.write(path, (0.1 * rng.standard_normal(samples)).astype("float32"), 16000)
        scp.write(f"utt{i:03d} {path}\n")
        shape.write(f"utt{i:03d} {samples}\n")
EOF
  local args=(--ngpu "${NGPU:-1}" --use_amp true --config egs/TEMPLATE/asr1/conf/ssl/pretrain_tiny.yaml
    --train_data_path_and_name_and_type "${dir}/data/wav.scp,speech,sound"
    --valid_data_path_and_name_and_type "${dir}/data/wav.scp,speech,sound"
    --train_shape_file "${dir}/data/speech_shape" --valid_shape_file "${dir}/data/speech_shape"
    --batch_bins 320000 --num_workers 2 --resume true --output_dir "${dir}/exp")
  "${py}" -m bigssl.bin.ssl_train "${args[@]}" --max_epoch 2
  "${py}" -m bigssl.bin.ssl_train "${args[@]}" --max_epoch 3
  grep -E "3epoch results|loss_contrastive" "${dir}/exp/train.log" | tail -3
  test -f "${dir}/exp/3epoch.pth"
}
step tiny_gpu_pretraining tiny_gpu_pretraining

# shellcheck disable=SC2086
step bench "${py}" bench/bench_scale.py --config "${config}" --batch_size "${batch_size}" \
  --seconds "${seconds}" --label_batch_sizes ${label_batch_sizes} --json "${out}/bench.json"
cat "${out}/bench.log" | grep -E "^(command|device|peak|\|)" || true
if [ ${#failed[@]} -gt 0 ]; then echo "failed steps: ${failed[*]}"; exit 1; fi
echo "all steps passed"
