#!/usr/bin/env bash
# The mini recipe's GPU pretraining (egs/mini/asr1/run_claim2_gpu.sh --part 1) on a lent GPU machine that
# has neither the mini corpus (0.5 GB of WAV, more than a call carries) nor espeak-ng, inside a fixed
# time budget. From the repository root:
#   bash bench/device_pretrain_mini.sh --make_pack      # here, on the CPU machine with the corpus: writes .gpu_pack/
#   bash bench/device_pretrain_mini.sh [--budget 520]   # there (carry .gpu_pack and .whl): everything below
# 1. espeak-ng (binary, libraries, English data) and the fortunes sentences from .gpu_pack; the corpus's
#    espeak-ng splits regenerated from their seed (bigssl.bin.make_mini_corpus; the flite splits are off,
#    which leaves the espeak-ng ones byte-identical) and checked against the CPU machine's MD5s;
# 2. the pool's dump/raw lists and exp/ssl_stats (the feature statistics of exp/ssl_iter*) from the pack;
# 3. a probe: one epoch of --probe_steps steps through run_claim2_gpu.sh --part 1, timed from its train.log;
# 4. the run: run_claim2_gpu.sh --part 1 with as many epochs of --iters_per_epoch steps as fit the budget
#    (seconds from this script's start), the schedule annealed over exactly those steps;
# 5. exp_gpu/ssl_iter1's averaged model, config, log, curve and summary copied to $OUT (flat).
# With --decode EXP (an experiment of the recipe, packed with --make_pack --decode EXP): EXP's dev and test
# decoded on the GPU through the pipeline's stages 60-70 with --gpu_inference true, its scores printed
# beside the CPU machine's; --pretrain false skips steps 3-5.
set -euo pipefail
start=$(date +%s)
budget=520             # seconds from start until the pretraining must have finished
iters_per_epoch=400    # steps per pretraining epoch
probe_steps=60         # steps of the timing probe
max_epochs=100         # at most this many epochs, whatever the budget
ngpu=1                 # 0: a CPU test of this script
pretrain=true          # steps 3-5 (false: only the corpus and, with --decode, the decoding)
decode=""              # an experiment dir of the recipe (e.g. exp_gpu/asr_claims_pregpu_p10_s1) to decode on the GPU
make_pack=false
pack=.gpu_pack
recipe=egs/mini/asr1
while [ $# -gt 0 ]; do
  case "$1" in
    --budget) budget=$2; shift 2 ;;
    --iters_per_epoch) iters_per_epoch=$2; shift 2 ;;
    --probe_steps) probe_steps=$2; shift 2 ;;
    --max_epochs) max_epochs=$2; shift 2 ;;
    --ngpu) ngpu=$2; shift 2 ;;
    --pretrain) pretrain=$2; shift 2 ;;
    --decode) decode=$2; shift 2 ;;
    --make_pack) make_pack=true; shift ;;
    *) echo "$0: unknown option '$1'" >&2; exit 2 ;;
  esac
done
log() { echo "$(date '+%H:%M:%S') +$(( $(date +%s) - start ))s (device_pretrain_mini) $*"; }

if [ "${make_pack}" = true ]; then
  rm -rf "${pack}"; mkdir -p "${pack}/espeak/bin" "${pack}/espeak/lib" "${pack}/espeak/espeak-ng-data" "${pack}/dump/raw"
  bin=$(command -v espeak-ng)
  cp "${bin}" "${pack}/espeak/bin/espeak-ng.bin"
  lib=$(ldd "${bin}" | awk '/libespeak-ng/{print $3}')
  for so in $( (ldd "${bin}"; ldd "${lib}") | awk '/=>/{print $3}' | sort -u); do
    case "$(basename "${so}")" in libc.so.*|libm.so.*) continue ;; esac
    cp -L "${so}" "${pack}/espeak/lib/"
  done
  data=$(espeak-ng --version | sed 's/.*Data at: //')
  for f in phondata phonindex phontab intonations en_dict lang voices; do cp -r "${data}/${f}" "${pack}/espeak/espeak-ng-data/"; done
  cat > "${pack}/espeak/bin/espeak-ng" <<'EOF'
#!/bin/sh
# espeak-ng from the bundle: its own libraries and English data, on a machine without the package.
here=$(dirname "$(readlink -f "$0")")
LD_LIBRARY_PATH="${here}/../lib" ESPEAK_DATA_PATH="${here}/.." exec "${here}/espeak-ng.bin" "$@"
EOF
  chmod +x "${pack}/espeak/bin/espeak-ng"
  cp -r /usr/share/games/fortunes "${pack}/fortunes"
  cp -r "${recipe}/dump/raw/ssl_train" "${recipe}/dump/raw/dev" "${pack}/dump/raw/"
  cp -r "${recipe}/exp/ssl_stats" "${pack}/ssl_stats"
  (cd "${recipe}" && { cut -d' ' -f2 dump/raw/ssl_train/wav.scp; cut -d' ' -f2 dump/raw/dev/wav.scp; } | xargs md5sum) > "${pack}/wav.md5"
  if [ -n "${decode}" ]; then  # recipe files the decoding needs, at their recipe paths under ${pack}/recipe
    files=("${decode}/config.yaml" "${decode}/valid.cer_ctc.ave.pth" dump/raw/test
           "$(cd "${recipe}" && python3 -c "import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))['bpemodel'])" "${decode}/config.yaml")")
    files+=($(cd "${recipe}" && ls -d "${decode}"/decode_*/*/score_*/result.json))  # the CPU machine's scores
    for f in "${files[@]}"; do
      mkdir -p "${pack}/recipe/$(dirname "${f}")"; cp -rL "${recipe}/${f}" "${pack}/recipe/$(dirname "${f}")/"
    done
    (cd "${pack}/recipe" && find "${decode}" -name result.json -path "*/decode_*" | while read -r r; do mv "${r}" "${r%.json}.cpu.json"; done)
  fi
  [ "$("${pack}/espeak/bin/espeak-ng" -v en-us --stdout "a test" | md5sum)" = "$(espeak-ng -v en-us --stdout "a test" | md5sum)" ] \
    || { log "the bundled espeak-ng does not reproduce the installed one"; exit 1; }
  log "wrote ${pack} ($(du -sh "${pack}" | cut -f1)); carry it with .whl"
  exit 0
fi

out=${OUT:-device_out}
mkdir -p "${out}"; out=$(cd "${out}" && pwd)
if ! command -v python > /dev/null; then  # path.sh runs python
  mkdir -p /tmp/pybin; ln -sf "$(command -v python3)" /tmp/pybin/python; export PATH="/tmp/pybin:${PATH}"
fi
export PYTHONUNBUFFERED=1
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:${PWD}${PYTHONPATH:+:${PYTHONPATH}}"
else
  export PYTHONPATH="${PWD}${PYTHONPATH:+:${PYTHONPATH}}"
fi
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
log "wheels installed"
[ -d /usr/share/games/fortunes ] || { mkdir -p /usr/share/games; cp -r "${pack}/fortunes" /usr/share/games/fortunes; }
export PATH="${PWD}/${pack}/espeak/bin:${PATH}"
cd "${recipe}"
python3 -m bigssl.bin.make_mini_corpus --audio_dir downloads/mini --data_dir data \
  --num_unlabeled_flite 0 --num_test_flite 0 --nj "$(nproc)" > /tmp/corpus.log 2>&1 \
  || { tail -20 /tmp/corpus.log; exit 1; }
mismatched=$(md5sum -c --quiet "../../../${pack}/wav.md5" 2>/dev/null | wc -l || true)
log "corpus regenerated: ${mismatched} of $(wc -l < "../../../${pack}/wav.md5") pool+dev WAVs differ from the CPU machine's"
mkdir -p dump/raw exp
cp -r "../../../${pack}/dump/raw/ssl_train" "../../../${pack}/dump/raw/dev" dump/raw/
[ -e exp/ssl_stats ] || cp -r "../../../${pack}/ssl_stats" exp/ssl_stats
[ ! -d "../../../${pack}/recipe" ] || cp -r "../../../${pack}/recipe/." .

if [ -n "${decode}" ]; then
  expdir=$(dirname "${decode}"); tag=$(basename "${decode}"); tag=${tag#asr_}
  [ -e "${expdir}/ssl_stats" ] || ln -s ../exp/ssl_stats "${expdir}/ssl_stats"  # as run_claim2_gpu.sh links it
  gpu_inference=true; [ "${ngpu}" -ge 1 ] || gpu_inference=false
  ./run.sh --expdir "${expdir}" --stage 60 --stop_stage 70 --asr_tag "${tag}" --test_sets "dev test" \
    --gpu_inference "${gpu_inference}" > "${out}/decode.log" 2>&1 || { tail -30 "${out}/decode.log"; exit 1; }
  log "decoded ${decode} (--gpu_inference ${gpu_inference}); error rates here vs on the CPU machine:"
  for r in "${decode}"/decode_*/*/score_*/result.json; do
    echo "  ${r}: $(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['Err'], 'vs', json.load(open(sys.argv[2]))['Err'])" "${r}" "${r%.json}.cpu.json")"
  done
  for r in "${decode}"/decode_*/*/rtf.json; do echo "  ${r}: $(cat "${r}")"; done
  grep -h -i -E "cuda|device" "${decode}"/decode_*/test/decode.log | head -3 || true
  cp "${decode}"/decode_*/test/decode.log "${out}/decode_test.log"
fi
[ "${pretrain}" = true ] || exit 0

seconds_of() {  # seconds_of LOG: the training time of the last epoch in an ESPnet train.log
  python3 - "$1" <<'EOF'
import re, sys
line = [l for l in open(sys.argv[1]) if "epoch results" in l][-1]
text = re.search(r"\[train\].*?time=([^,]+), total_count", line).group(1)
minutes = re.search(r"([\d.]+) minute", text)
seconds = re.search(r"([\d.]+) second", text)
print((float(minutes.group(1)) * 60 if minutes else 0.0) + (float(seconds.group(1)) if seconds else 0.0))
EOF
}
probe_start=$(date +%s)
rm -rf exp_gpu/ssl_iter1
./run_claim2_gpu.sh --part 1 --ngpu "${ngpu}" --epochs 1 --iters_per_epoch "${probe_steps}" > /tmp/probe.log 2>&1 \
  || { tail -30 /tmp/probe.log; tail -30 exp_gpu/ssl_iter1/train.log || true; exit 1; }
probe_wall=$(( $(date +%s) - probe_start ))
probe_train=$(seconds_of exp_gpu/ssl_iter1/train.log)
grep "1epoch results" exp_gpu/ssl_iter1/train.log | tail -1
rm -rf exp_gpu/ssl_probe; mv exp_gpu/ssl_iter1 exp_gpu/ssl_probe
left=$(( start + budget - $(date +%s) ))
epochs=$(python3 -c "
step = ${probe_train} / ${probe_steps}; fixed = ${probe_wall} - ${probe_train}
print(min(${max_epochs}, max(1, int((${left} - fixed) / (${iters_per_epoch} * step + 3)))))")
log "probe: ${probe_steps} steps in ${probe_train} s (${probe_wall} s with start-up); ${left} s left: ${epochs} epochs of ${iters_per_epoch} steps"
./run_claim2_gpu.sh --part 1 --ngpu "${ngpu}" --epochs "${epochs}" --iters_per_epoch "${iters_per_epoch}" > "${out}/run.log" 2>&1 \
  || { tail -30 "${out}/run.log"; tail -30 exp_gpu/ssl_iter1/train.log || true; exit 1; }
log "pretraining done"
grep "epoch results" exp_gpu/ssl_iter1/train.log | sed 's/\[att_plot\].*//' | cut -c1-400
for f in valid.loss.ave.pth config.yaml train.log curve.csv curve.png train_summary.json; do
  cp -L "exp_gpu/ssl_iter1/${f}" "${out}/${f}"
done
cat exp_gpu/ssl_iter1/train_summary.json
log "copied to ${out}"
