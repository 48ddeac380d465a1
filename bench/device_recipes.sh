#!/usr/bin/env bash
# Every recipe's tiny test fixture (mini, librispeech, chime6, speechstew, voicesearch, noss) through
# all its stages, one stage range at a time, with pass/fail and seconds per stage (bench/device_recipes.py):
# data, pretrain, finetune, lm, decode, nst, pack (NOSS: data, probe, results). From the repository root:
#   bash bench/device_recipes.sh [--jobs 6] [--timeout 230]     # on a lent GPU: --ngpu 1 --gpu_inference true
#   bash bench/device_recipes.sh --smoke [--recipes mini,noss]  # on the CPU (--ngpu 0), as CI can
# Other options: --ngpu N, --stages data,pretrain,..., --workdir DIR, --json PATH, --egs DIR.
# Prints a table and writes bench/results/<date>_<device>_recipes.json (one row per recipe x stage:
# recipe, stage, status, seconds, the last log lines of a failed stage); exit 1 if a stage failed.
# On a GPU machine: wheels the image lacks are installed from .whl/ when present; espeak-ng and the
# fortunes (the mini and LibriSpeech fixtures speak with espeak-ng) come from .gpu_pack/ when present
# (bash bench/device_pretrain_mini.sh --make_pack); chime6 runs without speed perturbation (no sox),
# speechstew's TED-LIUM 3 SPHERE audio is read by sox.
set -euo pipefail
py=${PYTHON:-python3}
args=()
ngpu=1
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) ngpu=0; shift ;;
    --ngpu|--recipes|--stages|--jobs|--timeout|--workdir|--json|--egs)
      [ $# -ge 2 ] || { echo "$0: $1 needs a value" >&2; exit 2; }
      if [ "$1" = --ngpu ]; then ngpu=$2; else args+=("$1" "$2"); fi
      shift 2 ;;
    *) echo "$0: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[[ "${ngpu}" =~ ^[0-9]+$ ]] || { echo "$0: --ngpu takes a number, not '${ngpu}'" >&2; exit 2; }
export PYTHONUNBUFFERED=1
if [ "${ngpu}" -gt 0 ] && [ -d .whl ]; then
  "${py}" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:${PWD}${PYTHONPATH:+:${PYTHONPATH}}"
else
  export PYTHONPATH="${PWD}${PYTHONPATH:+:${PYTHONPATH}}"
fi
if ! command -v python > /dev/null; then  # the recipes' path.sh runs python
  mkdir -p /tmp/pybin; ln -sf "$(command -v "${py}")" /tmp/pybin/python; export PATH="/tmp/pybin:${PATH}"
fi
if [ -d .gpu_pack/espeak ] && ! command -v espeak-ng > /dev/null; then
  export PATH="${PWD}/.gpu_pack/espeak/bin:${PATH}"
  [ -d /usr/share/games/fortunes ] || { mkdir -p /usr/share/games; cp -r .gpu_pack/fortunes /usr/share/games/fortunes; }
fi
if [ "${ngpu}" -gt 0 ]; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
fi
exec "${py}" bench/device_recipes.py --ngpu "${ngpu}" "${args[@]}"
