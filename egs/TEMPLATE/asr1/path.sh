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
# One intra-op thread per process unless set: on small CPU machines the trainer, its data-loader
# worker and other jobs otherwise oversubscribe the cores, and OpenMP's spinning threads made
# training epochs ~3x slower on 2 cores here. Raise it on big CPU-only machines.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export LC_ALL=C
# Corpus locations (db.sh style): set them in your environment or in an untracked db.local.sh.
[ -f db.local.sh ] && . ./db.local.sh
true
