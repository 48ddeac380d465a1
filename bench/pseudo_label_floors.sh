#!/usr/bin/env bash
# The filter floors' evidence and the job-count check, on a finished mini claims study: the 10 %
# teacher's confidence on dev speech vs white noise vs 0.2 s fragments, greedy (posterior) and with
# its LM (fused); then its greedy pseudo-labels of 300 pool utterances with 1, 2 and 3 jobs at the
# default batch size, compared byte by byte. Prints figures; asserts nothing.
#   bash bench/pseudo_label_floors.sh [--recipe egs/mini/asr1] [--out exp/bench_floors]
set -euo pipefail
recipe=egs/mini/asr1
out=exp/bench_floors   # under the recipe
while [ $# -gt 0 ]; do
  case "$1" in
    --recipe) recipe=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "$0: unknown option '$1' (--recipe DIR, --out DIR)" >&2; exit 2 ;;
  esac
done
bench=$(cd "$(dirname "$0")" && pwd)
cd "${recipe}"
. ./path.sh
teacher=exp/asr_claims_pre_p10_s1
lm=exp/lm_train_lm_pool_p10_bpe40
[ -f "${teacher}/valid.cer_ctc.ave.pth" ] || { echo "$0: no ${teacher} in ${recipe}: run ./run_claims.sh first" >&2; exit 1; }
rm -rf "${out}" && mkdir -p "${out}"
python "${bench}/pseudo_label_floors.py" make dump/raw/dev "${out}/set"
teacher_opts=(--asr_train_config "${teacher}/config.yaml" --asr_model_file "${teacher}/valid.cer_ctc.ave.pth")
python -m bigssl.bin.pseudo_label "${teacher_opts[@]}" --data_dir "${out}/set/data" --out_dir "${out}/greedy" > "${out}/greedy.log" 2>&1
python "${bench}/pseudo_label_floors.py" report "${out}/greedy"
if [ -f "${lm}/valid.loss.ave.pth" ]; then
  python -m bigssl.bin.pseudo_label "${teacher_opts[@]}" --data_dir "${out}/set/data" --out_dir "${out}/fused" \
    --decode_config conf/decode_ctc_lm.yaml --lm_train_config "${lm}/config.yaml" --lm_file "${lm}/valid.loss.ave.pth" \
    > "${out}/fused.log" 2>&1
  python "${bench}/pseudo_label_floors.py" report "${out}/fused"
fi
python -m bigssl.bin.subset_data_dir --src data/pool_p10_unlabeled --dst "${out}/nj_set" --num 300
for nj in 1 2 3; do
  python -m bigssl.bin.pseudo_label "${teacher_opts[@]}" --data_dir "${out}/nj_set" --out_dir "${out}/nj${nj}" --nj "${nj}" \
    > "${out}/nj${nj}.log" 2>&1
done
for f in text confidence num_tokens duration; do
  if cmp -s "${out}/nj1/${f}" "${out}/nj2/${f}" && cmp -s "${out}/nj1/${f}" "${out}/nj3/${f}"; then
    echo "nj 1/2/3 ${f}: byte-identical"
  else
    echo "nj 1/2/3 ${f}: DIFFERENT"
  fi
done
echo "$(wc -l < "${out}/nj1/text") utterances, default batch size"
