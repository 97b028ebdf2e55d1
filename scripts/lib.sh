# Shared helpers for scripts/build-book.sh and scripts/test.sh (source it, don't run it).
# Every step that both scripts need is written here once.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python}"
# The book and the tests train tiny models: one BLAS/OpenMP thread is as fast on an idle machine
# and many times faster on a busy one (measured: a chapter took 13 s on 1 thread, 9 min on 2).
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

# Timed steps: `step NAME COMMAND...` runs COMMAND and records how long it took;
# `print_timings` (run from an EXIT trap) prints the table, the failed step included.
STEP_NAMES=()
STEP_TIMES=()
CURRENT_STEP=""
step() {
    local name="$1"
    shift
    CURRENT_STEP="$name"
    echo
    echo "==> $name"
    local start=$SECONDS
    "$@"
    STEP_NAMES+=("$name")
    STEP_TIMES+=("$((SECONDS - start))")
    CURRENT_STEP=""
    echo "<== $name: $((SECONDS - start)) s"
}
print_timings() {
    local status=$?
    echo
    echo "Step timings (seconds):"
    local i
    for i in "${!STEP_NAMES[@]}"; do
        printf '  %6s  %s\n' "${STEP_TIMES[$i]}" "${STEP_NAMES[$i]}"
    done
    if [ -n "$CURRENT_STEP" ]; then
        printf '  %6s  %s\n' "FAILED" "$CURRENT_STEP"
    fi
    return "$status"
}

# install_system_packages PKG...: apt-get install when apt-get exists and we are root
# (or have password-less sudo); otherwise say so and go on.
install_system_packages() {
    local sudo=""
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "no apt-get: not installing $*"
        return 0
    fi
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo="sudo -n"
        else
            echo "not root: not installing $*"
            return 0
        fi
    fi
    local missing=() package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
            missing+=("$package")
    done
    if [ "${#missing[@]}" = 0 ]; then
        echo "already installed: $*"
        return 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    # The package lists may be missing or stale on a fresh machine: update once and retry.
    $sudo apt-get install -y -q "${missing[@]}" ||
        { $sudo apt-get update -q && $sudo apt-get install -y -q "${missing[@]}"; }
}

# Debian packages that the chapters read data from: one a line in binder/apt.txt, which
# Binder reads too.
data_packages() {
    grep -v '^[[:space:]]*\(#\|$\)' "$ROOT/binder/apt.txt"
}

install_python_packages() {
    "$PYTHON" -m pip install -q -r "$ROOT/requirements.txt"
}

# The strict build: warnings (nitpicky included) are errors, every page is re-read and every
# notebook re-executed (`--all`; _config.yml says execute_notebooks: force), and a cell that
# raises fails the build (execute.raise_on_error in _config.yml).
# The chapters' quick runs share one result store per build (see expand_neurons/book/runs.py):
# each cell is computed once (by precompute_book_cells below) and nbval, the HTML build and the
# scoreboard read it back. Its sub-directory is a hash of the library's sources, so changed code
# never reuses a cell.
export EXPAND_NEURONS_BOOK_STORE="${EXPAND_NEURONS_BOOK_STORE:-$ROOT/_build/quick-store}"

# Before any chapter runs, the cells the chapters read are computed into that store on a local
# Dask cluster of one single-threaded worker per core (`python -m expand_neurons precompute`);
# the chapters then run one after another and only read them. A rerun computes only what is
# missing. EXPAND_NEURONS_WORKERS overrides the worker count (nproc alone would answer 1: it
# honours the OMP_NUM_THREADS=1 set above).
precompute_book_cells() {
    local workers="${EXPAND_NEURONS_WORKERS:-$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)}"
    (cd "$ROOT" && "$PYTHON" -m expand_neurons precompute --workers "$workers")
}

# The chapters then execute while Sphinx reads them, in EXPAND_NEURONS_BUILD_JOBS processes
# (default: one per core; scripts/build_html.py), each page on its own, the slowest chapters
# first. Measured on 2 cores with the store filled: 2 processes 176 s, 4 processes 186 s; Sphinx's
# own fixed chunks of pages in name order took 209 s with 4 processes. With one kernel per core
# the hardware chapter's timings share the machine with one other chapter instead of three.
build_book() {
    precompute_book_cells
    local jobs="${EXPAND_NEURONS_BUILD_JOBS:-$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)}"
    (cd "$ROOT" && "$PYTHON" scripts/build_html.py --jobs "$jobs" -- \
        --all --warningiserror --nitpick --keep-going .)
}

# Every chapter as a notebook, in the full and the student edition, zipped into the site for
# download (the teacher's page, book/teaching.md, links them); their install cell installs the
# library at this commit. The two editions are written side by side, one process each.
notebook_downloads() {
    local ref edition pid pids=()
    ref="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo main)"
    for edition in full student; do
        "$PYTHON" "$ROOT/scripts/export_notebooks.py" \
            "$ROOT/_build/html/_downloads/expand-neurons-$edition.zip" \
            --edition "$edition" --setup-cell --ref "$ref" >/dev/null &
        pids+=("$!")
    done
    for pid in "${pids[@]}"; do
        wait "$pid"  # an edition that failed fails the step (set -e)
    done
}
