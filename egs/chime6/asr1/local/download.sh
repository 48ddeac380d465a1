#!/usr/bin/env bash
# Get CHiME-6 (needs internet; not run by the tests). Two routes, as the challenge documents them:
#   --source openslr  the array-synchronized CHiME-6 release, OpenSLR resource 150
#                     (https://www.openslr.org/150/; read its LICENSE.txt): CHiME6_transcriptions.tar.gz
#                     and CHiME6_<part>.tar.gz (about 97 GiB train, 11 GiB dev, 12 GiB eval)
#   --source chime5   synchronize your licensed CHiME-5 copy (https://licensing.sheffield.ac.uk/product/chime5)
#                     with https://github.com/chimechallenge/chime6-synchronisation (frame-drop and
#                     clock-drift correction of the audio, transcript times adjusted); needs sox v14.4.2
#                     exactly and the repo's Python requirements, 30-40 min per session
# Both end with the audio checked against that repo's audio_md5sums.txt (--verify) and print the
# root to pass as local/data.sh --chime6_root (or to set as CHIME6_ROOT in db.local.sh).
#   local/download.sh [--source openslr|chime5] [--download_dir DIR] [--parts "train dev eval"]
#                     [--mirror URL] [--chime5_root DIR] [--verify true|false]
set -euo pipefail
source=openslr                 # openslr (synchronized release) or chime5 (synchronize a CHiME-5 copy)
download_dir=downloads         # where archives, tools and the corpus go
parts="train dev eval"         # corpus parts to get
mirror=https://www.openslr.org/resources/150  # OpenSLR 150 base URL (mirrors: https://us.openslr.org/resources/150, ...)
chime5_root=""                 # --source chime5: the CHiME-5 root (audio/, transcriptions/)
sync_repo=https://github.com/chimechallenge/chime6-synchronisation.git  # the challenge's synchronization tools
verify=true                    # check the audio against the synchronization repo's audio_md5sums.txt
. "$(dirname "$0")/../utils/parse_options.sh"
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
die() { echo "$0: $*" >&2; exit 1; }
case "${source}" in openslr|chime5) ;; *) die "--source takes openslr or chime5, not '${source}'" ;; esac
[ -n "${parts}" ] || die "--parts is empty"
for part in ${parts}; do
  case "${part}" in train|dev|eval) ;; *) die "--parts takes train, dev and/or eval, not '${part}'" ;; esac
done
if [ "${source}" = chime5 ]; then
  [ -n "${chime5_root}" ] || die "--source chime5 needs --chime5_root (CHiME-5 is licensed at https://licensing.sheffield.ac.uk/product/chime5)"
  for sub in audio transcriptions; do
    [ -d "${chime5_root}/${sub}" ] || die "${chime5_root}/${sub}: no such directory; a CHiME-5 root holds audio/ and transcriptions/ (https://licensing.sheffield.ac.uk/product/chime5)"
  done
fi
mkdir -p "${download_dir}"
download_dir="$(cd "${download_dir}" && pwd)"
sessions_of() {  # the CHiME-5/6 sessions of a part (CHiME-5 data page)
  case "$1" in
    train) echo S03 S04 S05 S06 S07 S08 S12 S13 S16 S17 S18 S19 S20 S22 S23 S24 ;;
    dev) echo S02 S09 ;;
    eval) echo S01 S21 ;;
  esac
}
sync_tools() {
  command -v git >/dev/null || die "git is needed to fetch ${sync_repo}"
  [ -d "${download_dir}/chime6-synchronisation" ] || git clone "${sync_repo}" "${download_dir}/chime6-synchronisation"
}

case "${source}" in
  openslr)
    command -v wget >/dev/null || die "wget is needed to download from ${mirror}"
    for archive in CHiME6_transcriptions.tar.gz $(for p in ${parts}; do echo "CHiME6_${p}.tar.gz"; done); do
      if [ -f "${download_dir}/.${archive}.done" ]; then continue; fi
      wget --continue --directory-prefix "${download_dir}" "${mirror}/${archive}" \
        || die "could not download ${mirror}/${archive} (try another --mirror; the OpenSLR page https://www.openslr.org/150/ lists them)"
      tar -xzf "${download_dir}/${archive}" -C "${download_dir}" || die "${download_dir}/${archive} is not a complete tar.gz; delete it and rerun"
      touch "${download_dir}/.${archive}.done"
    done
    root="$(dirname "$(find "${download_dir}" -maxdepth 3 -type d -name transcriptions -print -quit)")"
    [ -d "${root}/audio" ] || die "no audio/ beside transcriptions/ under ${download_dir} after extraction"
    ;;
  chime5)
    command -v sox >/dev/null || die "sox v14.4.2 is needed (other versions give other audio; see ${sync_repo})"
    sox --version | grep -q 'v14\.4\.2' || die "sox is $(sox --version | awk '{print $NF}'), the synchronization needs v14.4.2 exactly (${sync_repo})"
    sync_tools
    chime5_root="$(cd "${chime5_root}" && pwd)"
    root="${download_dir}/CHiME6"
    for part in ${parts}; do mkdir -p "${root}/audio/${part}" "${root}/audio_tmp/${part}" "${root}/transcriptions/${part}"; done
    (
      cd "${download_dir}/chime6-synchronisation"
      for part in ${parts}; do
        for session in $(sessions_of "${part}"); do
          [ -f "${root}/.${session}.done" ] && continue
          python correct_signals_for_frame_drops.py --session="${session}" chime6_audio_edits.json \
            "${chime5_root}/audio" "${root}/audio_tmp"
          python correct_signals_for_clock_drift.py --session="${session}" --sox_path "$(dirname "$(command -v sox)")" \
            chime6_audio_edits.json "${root}/audio_tmp" "${root}/audio"
          touch "${root}/.${session}.done"
        done
      done
      python correct_transcript_for_clock_drift.py --clock_drift_data chime6_audio_edits.json \
        "${chime5_root}/transcriptions" "${root}/transcriptions"
    )
    rm -rf "${root}/audio_tmp"
    ;;
esac

if [ "${verify}" = true ]; then
  sync_tools
  pattern="audio/($(echo ${parts} | tr ' ' '|'))/"
  (cd "${root}" && grep -E "${pattern}" "${download_dir}/chime6-synchronisation/audio_md5sums.txt" | md5sum --quiet -c -) \
    || die "audio under ${root} differs from ${sync_repo}'s audio_md5sums.txt (a broken download or synchronization)"
fi
echo "CHiME-6 is in ${root}: put 'export CHIME6_ROOT=${root}' in db.local.sh (or pass local/data.sh --chime6_root ${root})"
