#!/usr/bin/env bash
# mini-NOSS (BigSSL's non-semantic result, claim 4): linear probes of every layer of frozen mini
# encoders on five tasks whose labels the synthesizers give for free (speaker, accent, language,
# synthesizer, speaking rate; bigssl/data/mini/noss.py), for the pretrained encoder, a fine-tuned one
# and the same network with random weights (the control). Writes exp/noss/probes.json, the section
# exp/results_sections/noss.md, figures/noss_layers.png, and RESULTS.md (stage 80).
#   ./run_noss.sh [--pretrained exp/ssl_iter1] [--finetuned exp/asr_claims_pre_p10_s1] [--num_train 240]
# Needs a pretraining run and a fine-tuned model (./run_ssl.sh or ./run_claims.sh --part 1 make them).
set -euo pipefail
pretrained=exp/ssl_iter1                # pretraining experiment probed (its valid.loss.ave.pth)
finetuned=exp/asr_claims_pre_p10_s1     # fine-tuned experiment probed (its valid.cer_ctc.ave.pth)
num_train=240                           # utterances per task: train split
num_dev=80                              # utterances per task: dev split (picks regularization and best layer)
num_test=120                            # utterances per task: test split
pooling=mean                            # mean or mean+std over frames
nj=2                                    # synthesis processes
results_title="mini (synthetic espeak-ng corpus): BigSSL's claims"  # title of RESULTS.md
export BIGSSL_TOP_COMMAND="./run_noss.sh"
if [ $# -gt 0 ]; then BIGSSL_TOP_COMMAND+=$(printf ' %q' "$@"); fi
. utils/parse_options.sh
. ./path.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
for exp in "${pretrained}" "${finetuned}"; do
  [ -f "${exp}/config.yaml" ] || { echo "$0: ${exp} is not a trained experiment (no config.yaml); run ./run_claims.sh --part 1 or ./run_ssl.sh first" >&2; exit 1; }
done
log() { echo "$(date '+%Y-%m-%dT%H:%M:%S') (run_noss) $*"; }

if [ ! -f data/noss/.done ]; then
  log "synthesizing mini-NOSS into data/noss"
  python -m bigssl.bin.make_mini_noss --audio_dir downloads/mini_noss --data_dir data/noss \
    --num_train "${num_train}" --num_dev "${num_dev}" --num_test "${num_test}" --nj "${nj}"
  touch data/noss/.done
fi
log "probing every layer (embeddings cached in exp/noss/emb; a killed run resumes)"
mkdir -p exp/results_sections
python -m bigssl.bin.probe --data_dir data/noss --out_dir exp/noss --pooling "${pooling}" \
  --encoder "pretrained=${pretrained}" --encoder "finetuned=${finetuned}" --encoder "random=${pretrained}:random" \
  --claim_encoder pretrained --control random --section exp/results_sections/noss.md --figure figures/noss_layers.png \
  --section_title "Non-semantic probes (mini-NOSS, ./run_noss.sh)"
./run.sh --stage 80 --stop_stage 80 --results_title "${results_title}"
log "done"
