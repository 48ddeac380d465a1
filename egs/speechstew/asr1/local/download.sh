#!/usr/bin/env bash
# Download the SpeechStew corpora that are free to download (machines with internet; not run by
# the tests). The others are licensed: Broadcast News, Switchboard-1, Fisher, Hub5'00 and WSJ from
# the LDC (catalogue ids in README.md), Common Voice from https://commonvoice.mozilla.org/datasets
# after accepting its terms. Then: ./run.sh --local_data_opts "--librispeech_root downloads ..."
#   local/download.sh [--download_dir downloads] [--corpora "librispeech tedlium3 ami swbd_ms98"]
# SHA-256 checksums (LibriSpeech, TED-LIUM 3) are torchaudio's (torchaudio/datasets/librispeech.py,
# tedlium.py); AMI and the MS-State transcripts publish none, so those are checked by extraction only.
set -euo pipefail
download_dir=downloads                           # where archives and corpora go
corpora="librispeech tedlium3 ami swbd_ms98"     # any of: librispeech tedlium3 ami swbd_ms98
ami_mics="ihm sdm"                               # AMI audio: ihm (headsets), sdm (Array1-01)
. utils/parse_options.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi

openslr=https://www.openslr.org/resources
declare -A sha256=(
  [12/dev-clean.tar.gz]=76f87d090650617fca0cac8f88b9416e0ebf80350acb97b343a85fa903728ab3
  [12/dev-other.tar.gz]=12661c48e8c3fe1de2c1caa4c3e135193bfb1811584f11f569dd12645aa84365
  [12/test-clean.tar.gz]=39fde525e59672dc6d1551919b1478f724438a95aa55f874b576be21967e6c23
  [12/test-other.tar.gz]=d09c181bba5cf717b3dee7d4d592af11a3ee3a09e08ae025c5506f6ebe961c29
  [12/train-clean-100.tar.gz]=d4ddd1d5a6ab303066f14971d768ee43278a5f2a0aa43dc716b0e64ecbbbf6e2
  [12/train-clean-360.tar.gz]=146a56496217e96c14334a160df97fffedd6e0a04e66b9c5af0d40be3c792ecf
  [12/train-other-500.tar.gz]=ddb22f27f96ec163645d53215559df6aa36515f26e01dd70798188350adcb6d2
  [51/TEDLIUM_release-3.tgz]=ad1e454d14d1ad550bc2564c462d87c7a7ec83d4dc2b9210f22ab4973b9eccdb
)
ami_url=https://groups.inf.ed.ac.uk/ami
# every AMI meeting (the full-corpus partition's lists); EN2001a/d/e have five headsets
ami_meetings=(EN2001{a,b,d,e} EN2002{a..d} EN200{3,4,5}a EN2006{a,b} EN2009{b,c,d} ES20{02..16}{a..d}
  IB40{01..05} IB401{0,1} IN10{01,02,05,07,08,09,12,13,14,16} IS100{0,1,3,4,6,7,8,9}{a..d} IS1002{b..d}
  IS1005{a..c} TS30{03..12}{a..d})

fetch() {  # fetch URL FILE [SHA256]: download (resumable), then check the checksum if there is one
  local url="$1" file="$2" sum="${3:-}"
  mkdir -p "$(dirname "${file}")"
  [ -s "${file}" ] || { wget --continue -O "${file}.part" "${url}" && mv "${file}.part" "${file}"; }
  if [ -n "${sum}" ] && ! echo "${sum}  ${file}" | sha256sum --check --quiet -; then
    echo "$0: ${file}: SHA-256 differs from ${sum}; delete it and rerun" >&2; exit 1
  fi
}

for corpus in ${corpora}; do
  case "${corpus}" in
    librispeech|tedlium3)
      for key in "${!sha256[@]}"; do
        [[ "${key}" == 12/* && "${corpus}" == librispeech || "${key}" == 51/* && "${corpus}" == tedlium3 ]] || continue
        archive="${download_dir}/archives/${key#*/}"
        fetch "${openslr}/${key}" "${archive}" "${sha256[${key}]}"
        [ -f "${archive}.extracted" ] || { tar -xf "${archive}" -C "${download_dir}" && touch "${archive}.extracted"; }
      done ;;
    ami)
      fetch "${ami_url}/AMICorpusAnnotations/ami_public_manual_1.6.2.zip" "${download_dir}/ami/ami_public_manual_1.6.2.zip"
      [ -d "${download_dir}/ami/ami_public_manual_1.6.2/corpusResources" ] || \
        unzip -q -o "${download_dir}/ami/ami_public_manual_1.6.2.zip" -d "${download_dir}/ami/ami_public_manual_1.6.2"
      for meeting in "${ami_meetings[@]}"; do
        names=()
        if [[ " ${ami_mics} " == *" ihm "* ]]; then
          last=3; [[ "${meeting}" == EN2001[ade] ]] && last=4
          for n in $(seq 0 "${last}"); do names+=("${meeting}.Headset-${n}.wav"); done
        fi
        [[ " ${ami_mics} " == *" sdm "* ]] && names+=("${meeting}.Array1-01.wav")
        for name in "${names[@]}"; do
          fetch "${ami_url}/AMICorpusMirror/amicorpus/${meeting}/audio/${name}" \
            "${download_dir}/ami/amicorpus/${meeting}/audio/${name}"
        done
      done ;;
    swbd_ms98)  # the MS-State transcripts; the audio (LDC97S62) is licensed
      fetch "${openslr}/5/switchboard_word_alignments.tar.gz" "${download_dir}/archives/switchboard_word_alignments.tar.gz"
      mkdir -p "${download_dir}/swbd"
      tar -xf "${download_dir}/archives/switchboard_word_alignments.tar.gz" -C "${download_dir}/swbd" ;;
    *) echo "$0: unknown corpus '${corpus}' (librispeech tedlium3 ami swbd_ms98)" >&2; exit 2 ;;
  esac
done
echo "$0: done; corpora under ${download_dir}/ (swbd_ms98 goes beside your LDC97S62 copy: --swbd_root)"
