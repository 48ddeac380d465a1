# Sourced by every stage: finds the bigssl checkout and its virtual environment.
# Recipes symlink this file; its real location is egs/TEMPLATE/asr1, three levels below the root.
BIGSSL_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../../.." && pwd)"
export BIGSSL_ROOT
if [ -f "${BIGSSL_ROOT}/.venv/bin/activate" ] && [ -z "${VIRTUAL_ENV:-}" ]; then
  # shellcheck disable=SC1091
  . "${BIGSSL_ROOT}/.venv/bin/activate"
fi
if ! python -c "import bigssl" 2>/dev/null; then
  echo "path.sh: the bigssl package is not importable; run ${BIGSSL_ROOT}/tools/install.sh first" >&2
  return 1 2>/dev/null || exit 1
fi
export PYTHONUNBUFFERED=1
export LC_ALL=C
# Corpus locations (db.sh style): set them in your environment or in an untracked db.local.sh.
[ -f db.local.sh ] && . ./db.local.sh
true
