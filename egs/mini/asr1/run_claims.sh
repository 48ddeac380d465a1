#!/usr/bin/env bash
# BigSSL's claims at mini scale, measured (the systems, then a claims table with computed verdicts):
#   (1) P+NST with 10 % of the labels is within 1.15x of supervised training on 100 %;
#   (2) pretraining helps more the fewer the labels (from scratch vs pretrained at 3, 10, 30 %);
#   (3) each NST generation beats the previous one (generations 0, 1, 2 at 10 %, same LM for all);
#   (6) unlabeled audio of a new domain (flite voices) cuts error on that domain without its labels.
# The pool is train_labeled + train_unlabeled (espeak-ng voices); each fraction re-splits it into a
# labeled part and an unlabeled rest (bigssl.bin.split_labeled_pool, nested across fractions).
#   part 1: pretraining on the pool's audio; from scratch and pretrained at each fraction; supervised 100 %
#   part 2: LMs; the 10 % teacher decoded with its LM; NST generations; the cross-domain student
# Every system is a ./run.sh experiment (restartable, .done markers); two run side by side (--jobs).
#   ./run_claims.sh [--part all|1|2] [--fractions "3 10 30"] [--seeds "1 2"] [--asr_args "--max_epoch 1"]
set -euo pipefail
part=all                 # 1, 2 or all (see the header)
fractions="3 10 30"      # labeled fractions (%) of the pool for claim 2
seeds="1 2"              # training seeds of the systems at fractions <= 10 % (larger ones: the first seed)
nst_fraction=10          # labeled fraction (%) of the NST teacher (claims 1, 3, 6)
nst_generations=2        # NST generations (claim 3)
corpus_opts="--num_unlabeled_flite 1200 --num_test_flite 200"  # local/data.sh options (the flite sets are claim 6's)
pretrain_args="--max_epoch 6"  # wav2vec 2.0 pretraining on the pool's audio (conf/ssl/pretrain_mini.yaml)
asr_args=""              # extra trainer options of every supervised system (after the per-fraction --max_epoch)
nst_student_args=""      # extra trainer options of the NST students
nst_filter_args="--keep_top_percent 80"  # pseudo-label confidence filter (bigssl.bin.filter_pseudo options)
lm_args=""               # extra trainer options of the LMs
nst_nj=1                 # pseudo-labeling jobs per NST run (two NST runs go side by side)
jobs=2                   # systems trained side by side (each one thread)
# RESULTS.md lists this command first, then the ./run.sh command of every experiment.
export BIGSSL_TOP_COMMAND="./run_claims.sh"
if [ $# -gt 0 ]; then BIGSSL_TOP_COMMAND+=$(printf ' %q' "$@"); fi
. utils/parse_options.sh  # before any work: a bad option fails here
. ./path.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
case "${part}" in 1|2|all) ;; *) echo "$0: --part must be 1, 2 or all, not '${part}'" >&2; exit 2 ;; esac

asr_config=conf/train_asr_conformer_ctc_anneal.yaml
test_sets="dev test test_flite"
lm_decode=(--use_lm true --lm_config conf/train_lm.yaml --inference_config conf/decode_ctc_lm.yaml)
pretrained=(--asr_init_ssl_iter 1 --pretrain_model valid.loss.ave.pth)
log() { echo "$(date '+%Y-%m-%dT%H:%M:%S') (run_claims) $*"; }

# Epochs per labeled fraction: about 800 / 1200 / 1600 / 2600 steps of ~19 s of audio at 3 / 10 / 30 /
# 100 %, the annealed schedule spread over each budget (max_steps: auto).
epochs_for() {
  case "$1" in 3) echo 30 ;; 10) echo 14 ;; 30) echo 6 ;; 100) echo 3 ;; *) echo $(( 1 + 300 / $1 )) ;; esac
}
first_seed() { echo "${seeds%% *}"; }
seeds_for() { if [ "$1" -le 10 ]; then echo "${seeds}"; else first_seed; fi; }

. utils/run_lanes.sh  # run_lanes CMD_FILE: the commands of CMD_FILE, ${jobs} at a time

system() {  # system INIT FRACTION SEED: the ./run.sh line training and scoring one supervised system
  local init=$1 fraction=$2 seed=$3 opts=()
  [ "${init}" = pre ] && opts=("${pretrained[@]}")
  printf '%q ' ./run.sh --stage 50 --stop_stage 70 --train_set "pool_p${fraction}" --asr_config "${asr_config}" \
    --asr_tag "claims_${init}_p${fraction}_s${seed}" --test_sets "${test_sets}" "${opts[@]}" \
    --asr_args "--max_epoch $(epochs_for "${fraction}") --seed ${seed} ${asr_args}"
  echo
}

# ---- part 1 -------------------------------------------------------------------------------------
if [ "${part}" != 2 ]; then
  ./run.sh --stage 10 --stop_stage 10 --local_data_opts "${corpus_opts}"
  for dset in test_flite train_unlabeled_flite; do
    [ -f "data/${dset}/wav.scp" ] || { log "data/${dset} is missing: this corpus was built without the flite sets; remove data/ and downloads/mini and rerun"; exit 1; }
  done
  for fraction in $(echo ${fractions} ${nst_fraction} 100 | tr ' ' '\n' | sort -nu); do
    [ -f "data/pool_p${fraction}/.done" ] || {
      python -m bigssl.bin.split_labeled_pool --labeled data/train_labeled --unlabeled data/train_unlabeled \
        --unlabeled_reference data/local/unlabeled_reference/text --fraction "$(awk -v f="${fraction}" 'BEGIN { print f / 100 }')" \
        --out_labeled "data/pool_p${fraction}" --out_unlabeled "data/pool_p${fraction}_unlabeled" \
        --out_reference "data/local/pool_p${fraction}_unlabeled_reference/text"
      touch "data/pool_p${fraction}/.done"
    }
    ./run.sh --stage 20 --stop_stage 40 --train_set "pool_p${fraction}" --test_sets "${test_sets}"
  done
  lanes=$(mktemp)
  {
    printf '%q ' ./run.sh --stage 44 --stop_stage 46 --test_sets "${test_sets}" --pretrain_config conf/ssl/pretrain_mini.yaml \
      --pretrain_sets "train_unlabeled train_labeled" --pretrain_stop_iter 1 --pretrain_args "${pretrain_args}"
    echo
    for fraction in $(echo ${fractions} 100 | tr ' ' '\n' | sort -nu); do
      for seed in $(seeds_for "${fraction}"); do system scratch "${fraction}" "${seed}"; done
    done
  } > "${lanes}"
  log "pretraining and the from-scratch systems, ${jobs} at a time"
  run_lanes "${lanes}"
  for fraction in $(echo ${fractions} ${nst_fraction} | tr ' ' '\n' | sort -nu); do
    for seed in $(seeds_for "${fraction}"); do system pre "${fraction}" "${seed}"; done
  done > "${lanes}"
  log "the pretrained systems, ${jobs} at a time"
  run_lanes "${lanes}"
  rm -f "${lanes}"
fi

# ---- part 2 -------------------------------------------------------------------------------------
if [ "${part}" != 1 ]; then
  teacher_tag="claims_pre_p${nst_fraction}_s$(first_seed)"
  [ -f "exp/asr_${teacher_tag}/.done" ] || { log "no teacher exp/asr_${teacher_tag}: run --part 1 first"; exit 1; }
  # LM text per labeled set: the corpus's sentences no split uses + that set's own transcripts (never
  # the transcripts of the audio it will pseudo-label).
  for fraction in "${nst_fraction}" 100; do
    lm_text="data/local/lm_pool_p${fraction}.txt"
    if [ ! -s "${lm_text}" ]; then
      awk 'FNR == NR { $1 = ""; sub(/^ /, ""); labeled[$0] = 1; next } !($0 in labeled)' \
        data/train_labeled/text data/local/lm_train.txt > "${lm_text}.tmp"
      cut -d' ' -f2- "data/pool_p${fraction}/text" >> "${lm_text}.tmp"
      mv "${lm_text}.tmp" "${lm_text}"
    fi
    ./run.sh --stage 55 --stop_stage 55 --train_set "pool_p${fraction}" --test_sets "${test_sets}" \
      --lm_config conf/train_lm.yaml --lm_train_text "${lm_text}" --lm_args "${lm_args}"
  done
  # The teacher and the supervised 100 % system decoded with their LMs (the same LM as the students).
  ./run.sh --stage 60 --stop_stage 70 --train_set "pool_p${nst_fraction}" --asr_config "${asr_config}" \
    --asr_tag "${teacher_tag}" --test_sets "${test_sets}" "${pretrained[@]}" "${lm_decode[@]}"
  ./run.sh --stage 60 --stop_stage 70 --train_set pool_p100 --asr_config "${asr_config}" \
    --asr_tag "claims_scratch_p100_s$(first_seed)" --test_sets "${test_sets}" "${lm_decode[@]}"
  # The unlabeled sets: the pool's rest, and the same plus the flite-voiced audio (claim 6).
  unlabeled="pool_p${nst_fraction}_unlabeled"
  combine_data_dirs_once() {
    [ -f "data/$2/.done" ] && return 0
    python -m bigssl.bin.combine_data_dirs --out "data/$2" "data/$1" data/train_unlabeled_flite
    cat "data/local/$1_reference/text" data/local/unlabeled_flite_reference/text | sort > "data/local/$2_reference.text.tmp"
    mkdir -p "data/local/$2_reference" && mv "data/local/$2_reference.text.tmp" "data/local/$2_reference/text"
    touch "data/$2/.done"
  }
  combine_data_dirs_once "${unlabeled}" "${unlabeled}_xflite"
  for dset in "${unlabeled}" "${unlabeled}_xflite"; do
    [ -f "dump/raw/${dset}/.done" ] && continue
    python -m bigssl.bin.validate_data_dir --src "data/${dset}" --dst "dump/raw/${dset}" --require_text false
    touch "dump/raw/${dset}/.done"
  done
  nst() {  # nst TAG UNLABELED_SET GENERATIONS: the ./run.sh line of an NST run from the teacher
    printf '%q ' ./run.sh --stage 75 --stop_stage 75 --train_set "pool_p${nst_fraction}" --asr_config "${asr_config}" \
      --asr_tag "${teacher_tag}" --test_sets "${test_sets}" "${pretrained[@]}" "${lm_decode[@]}" \
      --nst_decode_config conf/decode_ctc_lm.yaml --nst_tag "$1" --nst_unlabeled_set "$2" --nst_stop_iter "$3" \
      --nst_student_config conf/train_student_ctc_from_teacher.yaml --nst_student_init teacher \
      --nst_student_args "${nst_student_args}" --nst_filter_args "${nst_filter_args}" --nst_nj "${nst_nj}" \
      --nst_reference_text "data/local/$2_reference/text"
    echo
  }
  # Control for claim 3: the teacher trained further on its labeled data alone, with generation 1's
  # recipe and step count (labeled + the top 80 % of the unlabeled set, 10 per step, 3 passes).
  labeled_count=$(wc -l < "data/pool_p${nst_fraction}/wav.scp")
  unlabeled_count=$(wc -l < "data/${unlabeled}/wav.scp")
  control_steps=$(( (labeled_count + unlabeled_count * 8 / 10 + 9) / 10 ))
  control() {
    printf '%q ' ./run.sh --stage 50 --stop_stage 70 --train_set "pool_p${nst_fraction}" \
      --asr_config conf/train_student_ctc_from_teacher.yaml --asr_tag "claims_control_p${nst_fraction}" \
      --test_sets "${test_sets}" "${pretrained[@]}" "${lm_decode[@]}" \
      --asr_args "--init_param exp/asr_${teacher_tag}/valid.cer_ctc.ave.pth --nst_mix_ratio 0 --batch_type unsorted --batch_size 10 --num_iters_per_epoch ${control_steps} ${nst_student_args}"
    echo
  }
  lanes=$(mktemp)
  { nst claims "${unlabeled}" "${nst_generations}"; nst claims_xflite "${unlabeled}_xflite" 1; control; } > "${lanes}"
  log "NST generations 1..${nst_generations}, the cross-domain student and the same-steps control, ${jobs} at a time"
  run_lanes "${lanes}"
  rm -f "${lanes}"

  # ---- the claims table, computed from the scores --------------------------------------------------
  nolm="decode_decode_ctc_valid.cer_ctc.ave"
  withlm="decode_decode_ctc_lm_valid.cer_ctc.ave_lm_train_lm_valid.loss.ave"
  spec=exp/claims.yaml
  {
    echo "title: BigSSL's claims at mini scale"
    echo "test_set: test"
    echo "fractions: [$(echo ${fractions} | tr ' ' ',')]"
    echo "nst_fraction: ${nst_fraction}"
    echo "roles:"
    for fraction in ${fractions}; do
      for init in scratch pre; do
        role="pretrained"; [ "${init}" = scratch ] && role="scratch"
        echo "  ${role}_${fraction}:"
        for seed in $(seeds_for "${fraction}"); do echo "    - exp/asr_claims_${init}_p${fraction}_s${seed}/${nolm}"; done
      done
    done
    echo "  supervised_100: [exp/asr_claims_scratch_p100_s$(first_seed)/${withlm}]"
    echo "  nst_gen0_${nst_fraction}: [exp/asr_${teacher_tag}/${withlm}]"
    for k in $(seq 1 "${nst_generations}"); do echo "  nst_gen${k}_${nst_fraction}: [exp/nst_iter${k}_claims/${withlm}]"; done
    echo "  control_teacher_more_steps_${nst_fraction}: [exp/asr_claims_control_p${nst_fraction}/${withlm}]"
    echo "  crossdomain_without: {exps: [exp/nst_iter1_claims/${withlm}], test_set: test_flite}"
    echo "  crossdomain_with: {exps: [exp/nst_iter1_claims_xflite/${withlm}], test_set: test_flite}"
    echo "notes:"
    echo "  2: \"no-LM decodes (the acoustic models themselves); from scratch and pretrained share data, config and step budget per fraction\""
    echo "  3: \"students start from their teacher (--nst_student_init teacher) with an annealed budget of 3 passes; the paper's start (the pretrained encoder) did not reach the teacher within the CPU budget (scouting in the README). control_teacher_more_steps: the teacher trained on its labeled data alone with generation 1's recipe and step count (is it the pseudo-labels or the steps?)\""
    echo "  6: \"the flite audio is used through NST only (pseudo-labels of the pool's rest + 1200 flite utterances), not in pretraining\""
  } > "${spec}"
  mkdir -p exp/results_sections
  python -m bigssl.bin.claims_report --spec "${spec}" --out exp/results_sections/claims.md
  ./run.sh --stage 80 --stop_stage 80 --results_title "mini (synthetic espeak-ng corpus): BigSSL's claims"
fi
log "done"
