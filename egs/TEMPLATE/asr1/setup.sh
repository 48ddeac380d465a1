#!/usr/bin/env bash
# Create a new recipe dir that shares this pipeline: conf/ and local/ are the recipe's own
# (copied from --from, if given), the pipeline, stages, utils, path.sh and cmd.sh are symlinks.
#   egs/TEMPLATE/asr1/setup.sh [--from egs/mini/asr1] NEW_DIR
set -euo pipefail
from=""  # recipe dir whose conf/, local/ and run.sh are copied (default: empty conf/ and local/)
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/utils/parse_options.sh"
template="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
if [ $# -ne 1 ]; then echo "usage: $0 [--from RECIPE_DIR] NEW_DIR" >&2; exit 2; fi
target="$1"
if [ -e "${target}" ]; then echo "$0: ${target} already exists" >&2; exit 1; fi
mkdir -p "${target}"
target="$(cd "${target}" && pwd)"
# Relative links when the new recipe lives inside this checkout, absolute ones elsewhere.
if [[ "${target}" == "$(cd "${template}/../.." && pwd)"/* ]]; then
  link_base="$(python3 -c 'import os,sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' "${template}" "${target}")"
else
  link_base="${template}"
fi
for name in pipeline.sh path.sh cmd.sh stages utils; do
  ln -s "${link_base}/${name}" "${target}/${name}"
done
if [ -n "${from}" ]; then
  for name in conf local run.sh; do
    [ -e "${from}/${name}" ] && cp -rL "${from}/${name}" "${target}/${name}"  # -L: a recipe's symlinked configs become copies
  done
else
  mkdir -p "${target}/conf" "${target}/local"
fi
echo "created ${target}"
