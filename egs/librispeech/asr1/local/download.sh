#!/usr/bin/env bash
# Download and extract LibriSpeech and Libri-Light into --target_dir (needs internet; resumable).
#   local/download.sh --target_dir DIR [--parts "..."] [--librilight_limited true|false]
#                     [--librilight_subsets "small medium large"] [--lm_text true|false]
# Afterwards DIR holds LibriSpeech/<part>/, librispeech_finetuning/ and small/ medium/ large/, i.e.
# DIR is both --librispeech_root and --librilight_root of local/data.sh. Each archive is checked
# against its published checksum before extraction: sha256 for LibriSpeech and
# librispeech_finetuning.tgz (as torchaudio's datasets pin them), md5 for Libri-Light's
# small/medium/large.tar (its data_preparation/README.md); the LM text has none we could confirm.
# Sizes: LibriSpeech 960 h ~60 GB of archives; small.tar 35 GB, medium.tar 321 GB, large.tar 3.05 TB.
set -euo pipefail
target_dir=downloads          # where archives are fetched and extracted
parts="train-clean-100 train-clean-360 train-other-500 dev-clean dev-other test-clean test-other"  # LibriSpeech parts
librilight_limited=false      # librispeech_finetuning.tgz (the labeled 10 min / 1 h / 10 h sets, 0.6 GB)
librilight_subsets=""         # unlabeled Libri-Light subsets among: small medium large
lm_text=false                 # librispeech-lm-norm.txt.gz (LibriSpeech's LM text, https://www.openslr.org/11)
librispeech_url=https://www.openslr.org/resources/12  # base URL of LibriSpeech's <part>.tar.gz
librilight_url=https://dl.fbaipublicfiles.com/librilight/data  # base URL of Libri-Light's archives
lm_url=https://www.openslr.org/resources/11  # base URL of librispeech-lm-norm.txt.gz
keep_archives=false           # keep the archives after extraction
. utils/parse_options.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi

declare -A checksum=(
  [train-clean-100.tar.gz]=sha256:d4ddd1d5a6ab303066f14971d768ee43278a5f2a0aa43dc716b0e64ecbbbf6e2
  [train-clean-360.tar.gz]=sha256:146a56496217e96c14334a160df97fffedd6e0a04e66b9c5af0d40be3c792ecf
  [train-other-500.tar.gz]=sha256:ddb22f27f96ec163645d53215559df6aa36515f26e01dd70798188350adcb6d2
  [dev-clean.tar.gz]=sha256:76f87d090650617fca0cac8f88b9416e0ebf80350acb97b343a85fa903728ab3
  [dev-other.tar.gz]=sha256:12661c48e8c3fe1de2c1caa4c3e135193bfb1811584f11f569dd12645aa84365
  [test-clean.tar.gz]=sha256:39fde525e59672dc6d1551919b1478f724438a95aa55f874b576be21967e6c23
  [test-other.tar.gz]=sha256:d09c181bba5cf717b3dee7d4d592af11a3ee3a09e08ae025c5506f6ebe961c29
  [librispeech_finetuning.tgz]=sha256:5d1efdc777b548194d7e09ba89126e2188026df9fd57aa57eb14408d2b2342af
  [small.tar]=md5:c49207eb86a8e8ac895561c37232041e
  [medium.tar]=md5:c75e7ac62471bfbf2db77528d62a9b74
  [large.tar]=md5:4dfbac018f50b99797ece101fc9f0c30
)
fail() { echo "$0: $*" >&2; exit 1; }
for part in ${parts}; do
  [ -n "${checksum[${part}.tar.gz]+x}" ] \
    || { echo "$0: unknown LibriSpeech part '${part}' (train-clean-100 ... test-other)" >&2; exit 2; }
done
for subset in ${librilight_subsets}; do
  case "${subset}" in small|medium|large) ;; *) echo "$0: unknown Libri-Light subset '${subset}' (small, medium, large)" >&2; exit 2 ;; esac
done
command -v curl > /dev/null || fail "curl is needed to download (apt-get install curl)"
mkdir -p "${target_dir}"

# fetch URL FILE: download (resuming a partial file) and verify the checksum if one is known.
fetch() {
  local url="$1" file="$2" name sum
  name="$(basename "${file}")"
  if [ ! -f "${file}" ]; then
    echo "downloading ${url}"
    curl --fail --location --silent --show-error --continue-at - --output "${file}.part" "${url}" \
      || fail "could not download ${url} (no internet here? download it elsewhere into ${target_dir})"
    mv "${file}.part" "${file}"
  fi
  sum="${checksum[${name}]:-}"
  if [ -z "${sum}" ]; then
    echo "$0: no published checksum for ${name}; not verified" >&2
    return 0
  fi
  echo "checking ${sum%%:*} of ${file}"
  if ! echo "${sum#*:}  ${file}" | "${sum%%:*}sum" --check --status; then
    mv "${file}" "${file}.bad"
    fail "${file}: ${sum%%:*} checksum mismatch (moved to ${file}.bad; expected ${sum#*:} for ${url})"
  fi
}

# get URL MARKER: fetch the archive into target_dir and extract it there, once (MARKER = a path it creates).
get() {
  local url="$1" marker="$2" archive
  archive="${target_dir}/$(basename "${url}")"
  if [ -e "${target_dir}/.$(basename "${url}").extracted" ]; then
    echo "${target_dir}/${marker}: already extracted"; return 0
  fi
  fetch "${url}" "${archive}"
  echo "extracting ${archive}"
  tar -xf "${archive}" -C "${target_dir}" || fail "could not extract ${archive}"
  [ -e "${target_dir}/${marker}" ] || fail "${archive} did not create ${target_dir}/${marker}"
  touch "${target_dir}/.$(basename "${url}").extracted"
  [ "${keep_archives}" = true ] || rm -f "${archive}"
}

for part in ${parts}; do
  get "${librispeech_url}/${part}.tar.gz" "LibriSpeech/${part}"
done
[ "${librilight_limited}" = false ] || get "${librilight_url}/librispeech_finetuning.tgz" librispeech_finetuning
for subset in ${librilight_subsets}; do
  get "${librilight_url}/${subset}.tar" "${subset}"
done
if [ "${lm_text}" = true ]; then
  fetch "${lm_url}/librispeech-lm-norm.txt.gz" "${target_dir}/librispeech-lm-norm.txt.gz"
fi
echo "done: ${target_dir}"
