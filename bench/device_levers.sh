#!/usr/bin/env bash
# The GPU lever ladder (bench/bench_levers.py) on Conformer XL in one device call (<= 8 minutes on
# an H100): 16 x 15 s, bf16, writes bench/results/<date>_<device>_levers.json. From the repository
# root:  bash bench/device_levers.sh            (on the GPU machine; $OUT, if set, gets a copy)
#        bash bench/device_levers.sh --smoke    (tiny config on the CPU, seconds)
set -euo pipefail
py=${PYTHON:-python3}
if [ -d .whl ]; then
  "${py}" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:${PWD}${PYTHONPATH:+:${PYTHONPATH}}"
else
  export PYTHONPATH="${PWD}${PYTHONPATH:+:${PYTHONPATH}}"
fi
export PYTHONUNBUFFERED=1
date=$(date +%Y-%m-%d)
if [ "${1:-}" = "--smoke" ]; then
  out=${SMOKE_JSON:-bench/results/${date}_cpu_levers_smoke.json}
  exec "${py}" bench/bench_levers.py --smoke --json "${out}"
fi
device=$("${py}" -c "import torch; print(torch.cuda.get_device_name(0).split()[1].lower())")
out=bench/results/${date}_${device}_levers.json
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
timeout 470 "${py}" bench/bench_levers.py --config egs/TEMPLATE/asr1/conf/ssl/pretrain_xl.yaml \
  --device cuda --dtype bf16 --batch_size 16 --seconds 15 --steps 5 --warmup 2 \
  --label_batch_sizes 64 128 --profile 20 --json "${out}" "$@"
if [ -n "${OUT:-}" ]; then cp "${out}" "${OUT}/"; fi
