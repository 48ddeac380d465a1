#!/usr/bin/env bash
# Fetch the NOSS corpora that can be downloaded without registration into --target_dir (needs
# internet; resumable: finished steps leave a marker, partial downloads continue). Afterwards:
#   speech_commands   DIR/speech_commands_v0.02/ and DIR/speech_commands_test_set_v0.02/
#                     (sha256-checked, the checksums TensorFlow Datasets pins)
#   voxforge          DIR/voxforge/www.repository.voxforge1.org/... (TFDS' archive list, as wget -x lays it out)
#   crema_d           DIR/CREMA-D/ (git clone + git lfs pull of AudioWAV/; needs git-lfs)
#   asvspoof2019_la   DIR/ASVspoof2019/LA/ (LA.zip from Edinburgh DataShare; no checksum verified)
# VoxCeleb1 and SAVEE need a request form / registration: this script says where, and stops.
#   local/download.sh [--target_dir downloads] [--corpora "speech_commands crema_d"]
# Sizes (approximate): Speech Commands 2.4 GB + 0.1 GB, VoxForge (TFDS list) ~60 GB,
# CREMA-D AudioWAV ~0.6 GB, ASVspoof 2019 LA.zip ~7 GB.
set -euo pipefail
target_dir=downloads        # where the corpora go
corpora="speech_commands voxforge crema_d asvspoof2019_la"  # among: speech_commands voxforge crema_d asvspoof2019_la (voxceleb1, savee: manual)
keep_archives=false         # keep archives after extraction
speech_commands_url=http://download.tensorflow.org/data  # base URL of the Speech Commands archives
voxforge_list_url=https://storage.googleapis.com/tfds-data/downloads/voxforge/voxforge_urls.txt  # TFDS' VoxForge archive list
crema_d_repo=https://github.com/CheyneyComputerScience/CREMA-D.git  # CREMA-D's repository (audio in Git LFS)
asvspoof2019_la_url=https://datashare.ed.ac.uk/bitstream/handle/10283/3336/LA.zip  # ASVspoof 2019 LA.zip
. "$(dirname "$0")/../utils/parse_options.sh"
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
fail() { echo "$0: $*" >&2; exit 1; }
declare -A sha256=(
  [speech_commands_v0.02.tar.gz]=af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58
  [speech_commands_test_set_v0.02.tar.gz]=cc2a00c1147c2254e9be3fa0f779d8c17421dc349b86366567a8edfa9acd51df
)
for corpus in ${corpora}; do
  case "${corpus}" in
    speech_commands|voxforge|crema_d|asvspoof2019_la) ;;
    voxceleb1) fail "VoxCeleb1 is given after a request form: https://www.robots.ox.ac.uk/~vgg/data/voxceleb/vox1.html" \
                    "(extract vox1_dev_wav.zip and vox1_test_wav.zip into one folder with iden_split.txt)" ;;
    savee) fail "SAVEE is given after registration: http://personal.ee.surrey.ac.uk/Personal/P.Jackson/SAVEE/Register.html" \
                "(extract Data/Zip/AudioData.zip)" ;;
    *) echo "$0: unknown corpus '${corpus}' (speech_commands voxforge crema_d asvspoof2019_la)" >&2; exit 2 ;;
  esac
done
command -v curl > /dev/null || fail "curl is needed (apt-get install curl)"
mkdir -p "${target_dir}"

# fetch URL FILE: download, resuming a partial file; check the sha256 when one is pinned above.
fetch() {
  local url="$1" file="$2" sum
  if [ ! -f "${file}" ]; then
    echo "downloading ${url}"
    mkdir -p "$(dirname "${file}")"
    curl --fail --location --silent --show-error --continue-at - --output "${file}.part" "${url}" \
      || fail "could not download ${url} (no internet here? fetch it elsewhere into ${file})"
    mv "${file}.part" "${file}"
  fi
  sum="${sha256[$(basename "${file}")]:-}"
  if [ -n "${sum}" ] && ! echo "${sum}  ${file}" | sha256sum --check --status; then
    mv "${file}" "${file}.bad"
    fail "${file}: sha256 mismatch (moved to ${file}.bad; expected ${sum})"
  fi
}

done_marker() { echo "${target_dir}/.$1.done"; }

for corpus in ${corpora}; do
  if [ -f "$(done_marker "${corpus}")" ]; then echo "${corpus}: already downloaded"; continue; fi
  case "${corpus}" in
    speech_commands)
      for name in speech_commands_v0.02 speech_commands_test_set_v0.02; do
        fetch "${speech_commands_url}/${name}.tar.gz" "${target_dir}/${name}.tar.gz"
        mkdir -p "${target_dir}/${name}"  # the archives have no top folder
        tar -xzf "${target_dir}/${name}.tar.gz" -C "${target_dir}/${name}"
        [ "${keep_archives}" = true ] || rm -f "${target_dir}/${name}.tar.gz"
      done ;;
    voxforge)
      fetch "${voxforge_list_url}" "${target_dir}/voxforge/voxforge_urls.txt"
      while read -r url; do
        url="${url//[\"\']/}"
        [ -n "${url}" ] || continue
        path="${url#*://}"  # wget -x's layout: host/path
        [ -f "${target_dir}/voxforge/${path}" ] || fetch "http://${path}" "${target_dir}/voxforge/${path}"
      done < "${target_dir}/voxforge/voxforge_urls.txt" ;;
    crema_d)
      command -v git-lfs > /dev/null || fail "CREMA-D's audio is in Git LFS: install git-lfs (apt-get install git-lfs)"
      [ -d "${target_dir}/CREMA-D/.git" ] || GIT_LFS_SKIP_SMUDGE=1 git clone "${crema_d_repo}" "${target_dir}/CREMA-D"
      (cd "${target_dir}/CREMA-D" && git lfs pull --include "AudioWAV/*") ;;
    asvspoof2019_la)
      fetch "${asvspoof2019_la_url}" "${target_dir}/LA.zip"
      command -v unzip > /dev/null || fail "unzip is needed (apt-get install unzip)"
      mkdir -p "${target_dir}/ASVspoof2019"
      unzip -q -o "${target_dir}/LA.zip" -d "${target_dir}/ASVspoof2019"
      [ "${keep_archives}" = true ] || rm -f "${target_dir}/LA.zip" ;;
  esac
  touch "$(done_marker "${corpus}")"
done
echo "done: ${target_dir}"
