#!/usr/bin/env bash
# NOSS, BigSSL's non-semantic speech benchmark (Zhang et al. 2021, arXiv:2109.13226, after Shor et
# al. 2020, arXiv:2002.12764): a linear probe on every layer of frozen encoders, per task, from the
# corpora as released (README.md says where each is obtained).
#   ./run.sh --encoders "pretrained=/path/to/exp/ssl_iter1 random=/path/to/exp/ssl_iter1:random" \
#            --control random --tasks "crema_d speech_commands" --crema_d_root /data/CREMA-D \
#            --speech_commands_root /data/speech_commands_v0.02
# Stages (each task's steps leave a .done marker; a rerun skips them unless their inputs changed):
#   10 data    local/data.sh: each task listed from its corpus      -> data/local/noss/<task>/
#   20 format  plain 16 kHz mono files (the rest dumped to dump/)   -> data/noss/<task>/
#   30 probe   python -m bigssl.bin.probe, embeddings cached        -> exp/noss/, figures/noss_layers.png
#   80 results RESULTS.md (data table, probe table, claim 4, value of training)
# Corpus roots may also come from the environment or an untracked db.local.sh (read by path.sh):
# VOXCELEB1 VOXFORGE SPEECH_COMMANDS SPEECH_COMMANDS_TEST CREMA_D ASVSPOOF2019 SAVEE.
set -euo pipefail
. ./path.sh
stage=10                 # first stage to run
stop_stage=80            # last stage to run
tasks="voxceleb1 voxforge speech_commands crema_d asvspoof2019_la savee"  # tasks to prepare and probe
voxceleb1_root="${VOXCELEB1:-}"                  # holds iden_split.txt and wav/ (or dev/wav, test/wav)
voxforge_root="${VOXFORGE:-}"                    # the directory 'wget -x -i voxforge_urls.txt' filled
speech_commands_root="${SPEECH_COMMANDS:-}"      # the extracted speech_commands_v0.02
speech_commands_test_root="${SPEECH_COMMANDS_TEST:-}"  # optional: the extracted speech_commands_test_set_v0.02 as test
crema_d_root="${CREMA_D:-}"                      # holds AudioWAV/
asvspoof2019_root="${ASVSPOOF2019:-}"            # LA/ (or the folder holding it)
savee_root="${SAVEE:-}"                          # holds AudioData/
encoders=""              # NAME=EXP_DIR[:MODEL_FILE] or NAME=EXP_DIR:random (same network, random weights), space-separated
claim_encoder=""         # encoder judged for claim 4 (default: the first of --encoders)
control=""               # the random-weights encoder's name (the control), if one is probed
pooling=mean             # mean or mean+std over frames
sample_rate=16000        # audio rate the encoders expect
drop_bad=false           # skip bad utterances (logged, counted, data/noss/<task>/<split>/dropped_utts) instead of failing
results_title="NOSS: linear probes of frozen encoders"  # title of RESULTS.md
export BIGSSL_TOP_COMMAND="./run.sh"
if [ $# -gt 0 ]; then BIGSSL_TOP_COMMAND+=$(printf ' %q' "$@"); fi
. utils/parse_options.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
log() { echo "$(date '+%Y-%m-%dT%H:%M:%S') (run) $*"; }
runs() { [ "${stage}" -le "$1" ] && [ "${stop_stage}" -ge "$1" ]; }
for number in "${stage}" "${stop_stage}"; do
  [[ "${number}" =~ ^[0-9]+$ ]] || { echo "$0: --stage/--stop_stage take numbers, not '${number}'" >&2; exit 2; }
done
[ -n "${tasks// /}" ] || { echo "$0: --tasks is empty" >&2; exit 2; }
encoder_args=()
first_encoder=""
for spec in ${encoders}; do
  [[ "${spec}" == ?*=?* ]] || { echo "$0: --encoders: '${spec}' is not NAME=EXP_DIR[:MODEL_FILE|:random]" >&2; exit 2; }
  encoder_args+=(--encoder "${spec}")
  first_encoder="${first_encoder:-${spec%%=*}}"
done
if runs 30 && [ ${#encoder_args[@]} -eq 0 ]; then
  echo "$0: --encoders is required for stage 30 (e.g. \"pretrained=EXP_DIR random=EXP_DIR:random\")" >&2
  exit 2
fi

if runs 10; then
  log "stage 10: listing ${tasks} from their corpora"
  local/data.sh --tasks "${tasks}" --listing_dir data/local/noss --drop_bad "${drop_bad}" \
    --voxceleb1_root "${voxceleb1_root}" --voxforge_root "${voxforge_root}" \
    --speech_commands_root "${speech_commands_root}" --speech_commands_test_root "${speech_commands_test_root}" \
    --crema_d_root "${crema_d_root}" --asvspoof2019_root "${asvspoof2019_root}" --savee_root "${savee_root}"
fi

if runs 20; then
  for task in ${tasks}; do
    listed="data/local/noss/${task}/.done"
    [ -f "${listed}" ] || { echo "$0: ${task} is not listed yet (run stage 10)" >&2; exit 1; }
    marker="data/noss/${task}/.done"
    inputs="$(cat "${listed}") sample_rate=${sample_rate} drop_bad=${drop_bad}"
    if [ -f "${marker}" ] && [ "$(cat "${marker}")" = "${inputs}" ]; then
      log "stage 20: ${task} already formatted"; continue
    fi
    log "stage 20: formatting ${task} (plain ${sample_rate} Hz mono files; the rest dumped to dump/noss/${task})"
    python -m bigssl.bin.noss_data format --task "${task}" --listing_dir data/local/noss \
      --data_dir data/noss --dump_dir dump/noss --sample_rate "${sample_rate}" --drop_bad "${drop_bad}"
    echo "${inputs}" > "${marker}"
  done
fi

if runs 30; then
  log "stage 30: probing every layer (embeddings cached in exp/noss/emb/<encoder>; a killed run resumes)"
  mkdir -p exp/results_sections
  probe_args=(--claim_encoder "${claim_encoder:-${first_encoder}}")
  [ -z "${control}" ] || probe_args+=(--control "${control}")
  # shellcheck disable=SC2086  # the task list is split into words on purpose
  python -m bigssl.bin.probe --data_dir data/noss --out_dir exp/noss --tasks ${tasks} \
    --pooling "${pooling}" "${encoder_args[@]}" "${probe_args[@]}" \
    --section exp/results_sections/noss.md --figure figures/noss_layers.png --section_title "Non-semantic probes (NOSS)"
fi

if runs 80; then
  [ -f exp/noss/probes.json ] || { echo "$0: no exp/noss/probes.json (run stage 30)" >&2; exit 1; }
  # shellcheck disable=SC2086
  python -m bigssl.bin.noss_data section --data_dir data/noss --tasks ${tasks} \
    --out exp/results_sections/noss_data.md
  python -m bigssl.bin.write_results --out RESULTS.md --title "${results_title}" --exp_dir exp/noss \
    --section_file exp/results_sections/noss_data.md --section_file exp/results_sections/noss.md \
    --command "${BIGSSL_TOP_COMMAND}"
  log "wrote RESULTS.md"
fi
