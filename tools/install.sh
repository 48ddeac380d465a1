#!/usr/bin/env bash
# Install bigssl into a repo-local virtual environment (.venv) plus the Debian tools the recipes use.
# Idempotent: a second run checks what is there and installs nothing new.
#   tools/install.sh [--venv DIR] [--no-apt]
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${repo_root}/.venv"
use_apt=true

while [ $# -gt 0 ]; do
  case "$1" in
    --venv) venv="$2"; shift 2 ;;
    --no-apt) use_apt=false; shift ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done

# --- Debian packages: audio synthesis for the mini corpus, sox for checks -----------------------
apt_packages=(espeak-ng flite sox fortunes)
missing_apt=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "${pkg}" 2>/dev/null | grep -q "install ok installed" || missing_apt+=("${pkg}")
done
if [ ${#missing_apt[@]} -gt 0 ]; then
  if ! ${use_apt}; then
    echo "install.sh: missing Debian packages: ${missing_apt[*]} (skipped: --no-apt)" >&2
  elif [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "install.sh: these Debian packages are needed and apt-get is not usable here (not root?):" >&2
    echo "    sudo apt-get install -y ${missing_apt[*]}" >&2
    exit 1
  else
    echo "install.sh: apt-get install ${missing_apt[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_apt[@]}" >/dev/null
  fi
fi

# --- Python virtual environment ------------------------------------------------------------------
python_bin="${PYTHON:-python3}"
if [ ! -x "${venv}/bin/python" ]; then
  echo "install.sh: creating ${venv}"
  "${python_bin}" -m venv "${venv}"
fi
pip=("${venv}/bin/python" -m pip --disable-pip-version-check)

# setup.py pins torch and torchaudio exactly beside espnet, so one resolution installs them all and
# no requirement can swap in another torch; espnet caps setuptools<74, which torch 2.11 accepts.
stamp="${venv}/.bigssl-installed"
want="$(cat "${repo_root}/setup.py" "${repo_root}/pyproject.toml" "${BASH_SOURCE[0]}" | sha1sum | cut -d' ' -f1)"
if [ -f "${stamp}" ] && [ "$(cat "${stamp}")" = "${want}" ] && "${venv}/bin/python" -c "import bigssl" 2>/dev/null; then
  echo "install.sh: ${venv} is up to date"
  exit 0
fi
# pip's configuration here may list local indexes that do not exist; hide only those warnings.
pip_install() { "${pip[@]}" install -q "$@" 2> >(grep -v "^WARNING: Location '" >&2); }
# The dependency tree holds source packages that are built here, without build isolation (so they
# see setuptools<74 and, below, torch). Their build-time imports are installed first, so the build
# never depends on a wheel that an earlier run left in pip's cache: pyworld (espnet) imports numpy>=2
# and cython; Distance, antlr4-python3-runtime, ci-sdr and fast-bss-eval need setuptools only.
pip_install "setuptools<74" wheel "numpy>=2" cython
pip_install --no-build-isolation -e "${repo_root}[test]"
# DeepSpeed (ESPnet's --use_deepspeed; ZeRO configs in egs/TEMPLATE/asr1/conf/deepspeed) ships as a
# source package whose build imports torch: built after torch is in, with its CUDA/C++ ops left to
# DeepSpeed's just-in-time build on first use (DS_BUILD_OPS=0).
DS_BUILD_OPS=0 pip_install --no-build-isolation "deepspeed==${DEEPSPEED_VERSION:-0.19.8}"
"${venv}/bin/python" - <<'PY'
import torch, torchaudio, espnet, deepspeed
assert torch.__version__.split("+")[0] == "2.11.0", f"unexpected torch {torch.__version__}"
assert torchaudio.__version__.split("+")[0] == "2.11.0", f"unexpected torchaudio {torchaudio.__version__}"
print(f"install.sh: torch {torch.__version__}, torchaudio {torchaudio.__version__}, espnet {espnet.__version__}, deepspeed {deepspeed.__version__}")
PY
echo "${want}" > "${stamp}.tmp" && mv "${stamp}.tmp" "${stamp}"
echo "install.sh: done"
