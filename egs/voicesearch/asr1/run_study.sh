#!/usr/bin/env bash
# BigSSL's data-efficiency study on your data (the paper's voice-search experiment, Zhang et al. 2021,
# arXiv 2109.13226): how the error falls with the labeled data, from scratch vs pretrained, and what
# Noisy Student Training adds. One command:
#   1. data: local/data.sh (--local_data_opts) and stage 20 (validation, audio dumped where needed),
#      then nested labeled fractions of the validated train set: data/train_p<f> (smaller fractions are
#      subsets of larger ones; cut from dump/raw/train, so the audio is dumped once). Your unlabeled
#      audio has no transcripts, so the fractions are of the labeled train set; each fraction's NST
#      pool is the rest of train (its transcripts set aside, never trained on) + the unlabeled audio;
#   2. wav2vec 2.0 pretraining once, on all the audio (train + unlabeled, no text);
#   3. at each fraction, from scratch and fine-tuned from the pretrained encoder: same config, data and
#      step budget (ceil(full_epochs x sqrt(100 / f)) epochs: the steps grow with the square root of the
#      labeled data);
#   4. NST generations at --nst_fractions, the teacher being that fraction's pretrained system;
#   5. RESULTS.md (pipeline stage 80): every system, the tables per fraction, the claims' verdicts.
# Every system is a restartable ./run.sh experiment (rerun the same command after a crash); --jobs of
# them train side by side.
#   ./run_study.sh --local_data_opts "--train_manifest /corpora/vs/train.csv ..." [--fractions "1 3 10 100"]
set -euo pipefail
fractions="1 3 10 100"   # labeled fractions (%) of data/train, nested
nst_fractions="1 3 10"   # fractions whose pretrained system teaches NST students (each one of --fractions)
nst_generations=1        # NST generations at each of --nst_fractions
full_epochs=10           # epochs at 100 %; fraction f trains ceil(full_epochs x sqrt(100 / f)) epochs
split_seed=1             # seed of the nested split (changing it needs fresh data/train_p*, dump/, exp/)
local_data_opts=""       # local/data.sh options: your data (README.md)
test_sets="test"         # test sets (names local/data.sh gave them)
score_set=""             # test set of the comparison tables and claims (default: the first of --test_sets)
fs=16000                 # sample rate of the training audio; others are resampled (pipeline option)
audio_format=flac        # format of dumped audio: flac or wav (pipeline option)
audio_channel=0          # channel kept of multi-channel audio (pipeline option)
drop_bad=false           # drop bad utterances at validation instead of failing (pipeline option)
min_wav_duration=0.1     # validation: shorter utterances are bad (pipeline option)
max_wav_duration=60      # validation: longer utterances are bad (pipeline option)
run_opts=""              # more pipeline options for every ./run.sh call (e.g. "--ngpu 8 --nbpe 1024")
asr_config=conf/train_asr_conformer_xl_rnnt.yaml  # every from-scratch and fine-tuned system
inference_config=conf/decode_rnnt.yaml            # decoding of every system
inference_model=valid.loss.ave.pth                # checkpoint decoded and used as teacher
asr_args=""              # extra trainer options of every system (after the per-fraction --max_epoch)
pretrain_config=""       # wav2vec 2.0 pretraining (default: TEMPLATE's conf/ssl/pretrain_xl.yaml, Conformer XL)
pretrain_args=""         # extra options of the pretraining trainer
student_config=conf/train_student_conformer_xl_rnnt.yaml  # NST students
nst_student_init=pretrained  # student start: pretrained (the paper) or teacher
nst_student_args=""      # extra trainer options of the students
nst_filter_args="--keep_top_percent 80"  # pseudo-label confidence filter (bigssl.bin.filter_pseudo)
nst_nj=1                 # pseudo-labeling jobs per NST run
jobs=2                   # systems trained side by side (with GPUs: give each its share, e.g. via run_opts)
# RESULTS.md lists this command first, then the ./run.sh command of every experiment.
export BIGSSL_TOP_COMMAND="./run_study.sh"
if [ $# -gt 0 ]; then BIGSSL_TOP_COMMAND+=$(printf ' %q' "$@"); fi
. utils/parse_options.sh
. ./path.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
log() { echo "$(date '+%Y-%m-%dT%H:%M:%S') (run_study) $*"; }
die() { echo "$0: $*" >&2; exit 2; }

# ---- options, checked before any work -----------------------------------------------------------
for f in ${fractions}; do
  [[ "${f}" =~ ^[0-9]+([.][0-9]+)?$ ]] && awk -v f="${f}" 'BEGIN { exit !(f > 0 && f <= 100) }' \
    || die "--fractions: '${f}' is not a percentage in (0, 100]"
done
[ -n "${fractions}" ] || die "--fractions is empty"
for f in ${nst_fractions}; do
  [[ " ${fractions} " == *" ${f} "* ]] || die "--nst_fractions: ${f} is not one of --fractions (${fractions})"
done
for name in nst_generations full_epochs split_seed jobs nst_nj; do
  [[ "${!name}" =~ ^[0-9]+$ ]] && [ "${!name}" -ge 1 ] || die "--${name} must be a positive integer, not '${!name}'"
done
[ -n "${pretrain_config}" ] || pretrain_config="$(dirname "$(readlink -f pipeline.sh)")/conf/ssl/pretrain_xl.yaml"
for name in asr_config inference_config pretrain_config student_config; do
  [ -f "${!name}" ] || die "--${name} ${!name}: no such file"
done
[ -n "${score_set}" ] || score_set="${test_sets%% *}"
[[ " ${test_sets} " == *" ${score_set} "* ]] || die "--score_set ${score_set} is not one of --test_sets (${test_sets})"

# run.sh options every call shares; the pipeline rechecks them all.
validate_opts=(--fs "${fs}" --audio_format "${audio_format}" --audio_channel "${audio_channel}" --drop_bad "${drop_bad}"
               --min_wav_duration "${min_wav_duration}" --max_wav_duration "${max_wav_duration}")
common=(--test_sets "${test_sets}" "${validate_opts[@]}" --asr_config "${asr_config}"
        --inference_config "${inference_config}" --inference_model "${inference_model}")
# shellcheck disable=SC2086
run() { ./run.sh ${run_opts} "${common[@]}" "$@"; }
# shellcheck disable=SC2086
run_line() { printf '%q ' ./run.sh ${run_opts} "${common[@]}" "$@"; echo; }  # a lane's command
. utils/study.sh  # epochs_for FRACTION (full_epochs x sqrt(100 / FRACTION)), run_lanes CMD_FILE
system() {  # system scratch|pre FRACTION: the line training, decoding and scoring one system
  local init=$1 f=$2 opts=()
  [ "${init}" = pre ] && opts=(--asr_init_ssl_iter 1)
  run_line --stage 50 --stop_stage 70 --train_set "train_p${f}" --asr_tag "study_${init}_p${f}" "${opts[@]}" \
    --asr_args "--max_epoch $(epochs_for "${f}") ${asr_args}"
}

# ---- 1. data ------------------------------------------------------------------------------------
run --stage 10 --stop_stage 10 --local_data_opts "${local_data_opts}"
[ -f data/train/text ] && [ -f data/dev/text ] || die "local/data.sh made no data/train or data/dev (remove data/.done to redo it)"
run --stage 20 --stop_stage 20 --train_set train  # validate (and dump) train, dev and the test sets
pool_sets=()
[ -f data/unlabeled/wav.scp ] && pool_sets=(unlabeled)
[ ! -f data/local/split_seed ] || [ "$(cat data/local/split_seed)" = "${split_seed}" ] \
  || die "data/train_p* were split with seed $(cat data/local/split_seed); remove data/train_p*, dump/raw/train_p* and exp/*study* to use --split_seed ${split_seed}"
missing=""
for f in ${fractions}; do [ -f "data/train_p${f}/.done" ] || missing+=" ${f}"; done
if [ -n "${missing}" ]; then
  # shellcheck disable=SC2086
  python -m bigssl.bin.nested_subsets --source dump/raw/train --name train --out_dir data \
    --fractions ${fractions} --seed "${split_seed}" --pool_dirs "${pool_sets[@]/#/data/}"
  echo "${split_seed}" > data/local/split_seed
  for f in ${fractions}; do touch "data/train_p${f}/.done"; done
fi
for f in ${fractions}; do
  run --stage 20 --stop_stage 40 --train_set "train_p${f}"  # validate (nothing to dump), tokenizer, feature statistics
done

# ---- 2.-3. pretraining and the systems at each fraction -----------------------------------------
lanes=$(mktemp)
trap 'rm -f "${lanes}"' EXIT
{
  run_line --stage 44 --stop_stage 46 --pretrain_config "${pretrain_config}" \
    --pretrain_sets "train ${pool_sets[*]}" --pretrain_stop_iter 1 --pretrain_args "${pretrain_args}"
  for f in ${fractions}; do system scratch "${f}"; done
} > "${lanes}"
log "pretraining and the from-scratch systems, ${jobs} at a time"
run_lanes "${lanes}"
for f in ${fractions}; do system pre "${f}"; done > "${lanes}"
log "the systems fine-tuned from the pretrained encoder, ${jobs} at a time"
run_lanes "${lanes}"

# ---- 4. NST ---------------------------------------------------------------------------------------
# Each fraction's pool: the rest of train (validated here, without its text) + the unlabeled audio
# (validated by the pretraining stage), combined into dump/raw/train_p<f>_nst.
: > "${lanes}"
for f in ${nst_fractions}; do
  pool="dump/raw/train_p${f}_nst" srcs=()
  if [ -f "data/train_p${f}_rest/wav.scp" ]; then
    if [ ! -f "dump/raw/train_p${f}_rest/.done" ]; then
      python -m bigssl.bin.validate_data_dir --src "data/train_p${f}_rest" --dst "dump/raw/train_p${f}_rest" \
        "${validate_opts[@]}" --require_text false
      touch "dump/raw/train_p${f}_rest/.done"
    fi
    srcs+=("dump/raw/train_p${f}_rest")
  fi
  [ ${#pool_sets[@]} -eq 0 ] || srcs+=(dump/raw/unlabeled)
  if [ ${#srcs[@]} -eq 0 ]; then log "no NST at ${f} %: no unlabeled audio left to pseudo-label"; continue; fi
  if [ ! -f "${pool}/.done" ]; then
    python -m bigssl.bin.combine_data_dirs --out "${pool}" "${srcs[@]}"
    touch "${pool}/.done"
  fi
  reference="data/local/train_p${f}_nst_reference/text" reference_opts=()
  [ -f "${reference}" ] && reference_opts=(--nst_reference_text "${reference}")  # kept-vs-dropped WER of the filter
  run_line --stage 75 --stop_stage 75 --train_set "train_p${f}" --asr_tag "study_pre_p${f}" --asr_init_ssl_iter 1 \
    --nst_tag "p${f}" --nst_unlabeled_set "train_p${f}_nst" --nst_stop_iter "${nst_generations}" \
    --nst_student_config "${student_config}" --nst_student_init "${nst_student_init}" \
    --nst_student_args "${nst_student_args}" --nst_filter_args "${nst_filter_args}" --nst_nj "${nst_nj}" \
    "${reference_opts[@]}" >> "${lanes}"
done
if [ -s "${lanes}" ]; then
  log "NST, ${nst_generations} generation(s) at ${nst_fractions} %, ${jobs} at a time"
  run_lanes "${lanes}"
fi

# ---- 5. RESULTS.md --------------------------------------------------------------------------------
decode="decode_$(basename "${inference_config}" .yaml)_$(basename "${inference_model}" .pth)"
sections=exp/results_sections
mkdir -p "${sections}"
rows=() nst_rows=()
for f in ${fractions}; do
  label="${f} % ($(wc -l < "data/train_p${f}/utt2spk") utts, $(python -m bigssl.bin.audio_hours "dump/raw/train_p${f}/wav.scp") h)"
  rows+=(--row "${label}|exp/asr_study_scratch_p${f}/${decode}|exp/asr_study_pre_p${f}/${decode}")
  if [[ " ${nst_fractions} " == *" ${f} "* ]] && [ -d "exp/nst_iter${nst_generations}_p${f}/${decode}" ]; then
    nst_rows+=(--row "${label}|exp/asr_study_pre_p${f}/${decode}|exp/nst_iter${nst_generations}_p${f}/${decode}")
  fi
done
python -m bigssl.bin.compare_results --test_set "${score_set}" --out "${sections}/study_1_pretraining.md" \
  --title "Labeled data vs error: from scratch and pretrained" "${rows[@]}" \
  --note "Fractions of data/train, nested (seed ${split_seed}); ceil(${full_epochs} x sqrt(100 / f)) epochs of $(basename "${asr_config}") at fraction f; pretraining on all the audio (train$([ ${#pool_sets[@]} -eq 0 ] || echo " + unlabeled"), no text), $(basename "${pretrain_config}")."
if [ ${#nst_rows[@]} -gt 0 ]; then
  python -m bigssl.bin.compare_results --test_set "${score_set}" --out "${sections}/study_2_nst.md" \
    --title "Noisy Student Training over its pretrained teacher" --columns "pretrained (teacher)|P + NST (generation ${nst_generations})" \
    "${nst_rows[@]}" --note "NST pool per fraction: the rest of train (transcripts set aside) + the unlabeled audio; students: $(basename "${student_config}"), start ${nst_student_init}, filter ${nst_filter_args}."
fi
spec=exp/study_claims.yaml
{
  echo "title: BigSSL's claims on this corpus"
  echo "test_set: ${score_set}"
  echo "fractions: [$(for f in ${fractions}; do [ "${f}" = 100 ] || printf '%s,' "${f}"; done | sed 's/,$//')]"
  echo "nst_fraction: 10"
  echo "roles:"
  for f in ${fractions}; do
    if [ "${f}" = 100 ]; then
      echo "  supervised_100: [exp/asr_study_scratch_p100/${decode}]"
    else
      echo "  scratch_${f}: [exp/asr_study_scratch_p${f}/${decode}]"
      echo "  pretrained_${f}: [exp/asr_study_pre_p${f}/${decode}]"
    fi
  done
  for f in ${nst_fractions}; do
    echo "  nst_gen0_${f}: [exp/asr_study_pre_p${f}/${decode}]"
    for k in $(seq 1 "${nst_generations}"); do echo "  nst_gen${k}_${f}: [exp/nst_iter${k}_p${f}/${decode}]"; done
  done
  echo "notes:"
  echo "  6: \"not part of this study: it needs unlabeled audio and a test set of a second domain\""
} > "${spec}"
python -m bigssl.bin.claims_report --spec "${spec}" --out "${sections}/study_3_claims.md"
run --stage 80 --stop_stage 80 --results_title "voicesearch (your data): BigSSL's data-efficiency study"
log "done: RESULTS.md"
