#!/usr/bin/env bash
# Run the llama-server installed by scripts/llm-local.sh, CPU only, on 127.0.0.1.
# Usage: scripts/llm-serve.sh CACHE_DIR MODEL PORT [extra llama-server flags...]
#   MODEL: smollm2 | qwen1.5b | path to a .gguf
# Env: LLAMA_THREADS (default 1), LLAMA_CTX (default 8192).
set -euo pipefail
die() { echo "scripts/llm-serve.sh: error: $*" >&2; exit 1; }
[ $# -ge 3 ] || die "usage: scripts/llm-serve.sh CACHE_DIR MODEL PORT [extra flags]"
CACHE_DIR=$(realpath -m -- "$1"); MODEL=$2; PORT=$3; shift 3
DIR=$CACHE_DIR/llama-server-0.10434.0/bin
[ -x "$DIR/llama-server" ] || die "no llama-server in $DIR; run scripts/llm-local.sh $CACHE_DIR first"
case "$MODEL" in
  smollm2)  MODEL=$CACHE_DIR/models/smollm2-135m-instruct-q4_1.gguf ;;
  qwen1.5b) MODEL=$CACHE_DIR/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf ;;
esac
[ -f "$MODEL" ] || die "model not found: $MODEL"
ALIAS=$(basename -- "$MODEL" .gguf)
# -t/-tb: generation/prompt threads; -ngl 0 + --device none: no offload (no GPU anyway);
# -np 1: one slot, so consecutive requests share its KV cache (prefix reuse);
# --cache-prompt is the default, spelled out; --cache-ram bounds the host-RAM prompt cache
# that keeps earlier prompts when a different one evicts them from the slot;
# --offline: never fetch anything; --no-webui: API only; CORS only for localhost origins.
export LD_LIBRARY_PATH=$DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
exec "$DIR/llama-server" -m "$MODEL" --alias "$ALIAS" \
  --host 127.0.0.1 --port "$PORT" \
  -t "${LLAMA_THREADS:-1}" -tb "${LLAMA_THREADS:-1}" -ngl 0 --device none \
  -c "${LLAMA_CTX:-8192}" --parallel 1 --cache-prompt --cache-ram 1024 \
  --offline --no-webui --cors-origins localhost "$@"
