#!/usr/bin/env bash
# NOSS data preparation: each task listed from its corpus's release layout into
# <listing_dir>/<task>/ (task.json; {train,dev,test}/{wav.scp,utt2label,utt2spk[,segments]}),
# by python -m bigssl.bin.prepare noss (README.md: layouts, splits, where to obtain them).
#   local/data.sh --tasks "crema_d savee" --crema_d_root DIR --savee_root DIR [--drop_bad true]
# A task is listed again only when its root changed (its .done marker records the roots).
set -euo pipefail
. ./path.sh  # also reads an untracked db.local.sh, where the roots may be set
tasks="voxceleb1 voxforge speech_commands crema_d asvspoof2019_la savee"  # tasks to list
listing_dir=data/local/noss                      # where the listings go
voxceleb1_root="${VOXCELEB1:-}"                  # holds iden_split.txt and wav/ (or dev/wav, test/wav)
voxforge_root="${VOXFORGE:-}"                    # the directory 'wget -x -i voxforge_urls.txt' filled
speech_commands_root="${SPEECH_COMMANDS:-}"      # the extracted speech_commands_v0.02
speech_commands_test_root="${SPEECH_COMMANDS_TEST:-}"  # optional: the extracted speech_commands_test_set_v0.02 as test
crema_d_root="${CREMA_D:-}"                      # holds AudioWAV/
asvspoof2019_root="${ASVSPOOF2019:-}"            # LA/ (or the folder holding it)
savee_root="${SAVEE:-}"                          # holds AudioData/
drop_bad=false                                   # skip utterances or files with problems (logged, counted) instead of failing
. utils/parse_options.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
log() { echo "$(date '+%Y-%m-%dT%H:%M:%S') (data) $*"; }

for task in ${tasks}; do
  case "${task}" in
    voxceleb1) root="${voxceleb1_root}"; option=voxceleb1_root; env=VOXCELEB1 ;;
    voxforge) root="${voxforge_root}"; option=voxforge_root; env=VOXFORGE ;;
    speech_commands) root="${speech_commands_root}"; option=speech_commands_root; env=SPEECH_COMMANDS ;;
    crema_d) root="${crema_d_root}"; option=crema_d_root; env=CREMA_D ;;
    asvspoof2019_la) root="${asvspoof2019_root}"; option=asvspoof2019_root; env=ASVSPOOF2019 ;;
    savee) root="${savee_root}"; option=savee_root; env=SAVEE ;;
    *)  # unknown and restricted tasks: the Python side says which and why
      python -m bigssl.bin.prepare noss --task "${task}" --root . --listing_dir "${listing_dir}"
      exit 1 ;;
  esac
  if [ -z "${root}" ]; then
    echo "$0: task ${task} needs --${option} (or ${env} in the environment or db.local.sh);" \
         "README.md says where the corpus is obtained and local/download.sh fetches the public ones" >&2
    exit 2
  fi
  extra=()
  if [ "${task}" = speech_commands ] && [ -n "${speech_commands_test_root}" ]; then
    extra=(--test_root "${speech_commands_test_root}")
  fi
  marker="${listing_dir}/${task}/.done"
  inputs="root=${root} ${extra[*]:-} drop_bad=${drop_bad}"
  if [ -f "${marker}" ] && [ "$(cat "${marker}")" = "${inputs}" ]; then
    log "${task}: already listed from ${root}"; continue
  fi
  log "${task}: listing from ${root}"
  python -m bigssl.bin.prepare noss --task "${task}" --root "${root}" "${extra[@]}" \
    --listing_dir "${listing_dir}" --drop_bad "${drop_bad}"
  echo "${inputs}" > "${marker}"
done
