#!/usr/bin/env bash
# Installs the two coding agents the agent e2e tests run headless against the gateway: Codex CLI and Claude Code.
# They weigh ~660 MB, so they live in a test-only folder (.agents/, git-ignored), not in the package's
# devDependencies. Pinned versions; safe to run repeatedly (npm skips what is already there).
set -euo pipefail
cd "$(dirname "$0")/.."

CODEX_VERSION=0.171.0
CLAUDE_CODE_VERSION=2.1.332

want() { [ -x ".agents/node_modules/.bin/$1" ] && grep -q "\"version\": \"$2\"" ".agents/node_modules/$3/package.json" 2>/dev/null; }

if want codex "$CODEX_VERSION" @openai/codex && want claude "$CLAUDE_CODE_VERSION" @anthropic-ai/claude-code; then
  echo "install-agents: codex $CODEX_VERSION and claude-code $CLAUDE_CODE_VERSION already in .agents/"
  exit 0
fi
mkdir -p .agents
[ -f .agents/package.json ] || echo '{ "name": "lessllm-test-agents", "private": true }' > .agents/package.json
npm install --prefix .agents --no-audit --no-fund --no-save \
  "@openai/codex@$CODEX_VERSION" "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION"
echo "install-agents: $(.agents/node_modules/.bin/codex --version 2>&1 | head -n1), claude $(.agents/node_modules/.bin/claude --version 2>&1 | head -n1)"
