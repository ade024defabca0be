#!/usr/bin/env bash
# `make test-clocks`: the test suite (not lint or mypy) at other wall-clock times, under
# libfaketime, to prove that no test depends on the day it runs. Each clock runs the whole
# suite once with two pytest-xdist workers; extra arguments go to pytest.
#
# The clocks:
#   - about 400 days after today: what the suite will meet next year;
#   - 2027-10-31 00:30 UTC, the night Finnish summer time ends (last Sunday of October);
#   - 2027-12-31 23:30 UTC, when New Year has already begun in Helsinki but not in UTC;
#   - 2027-06-25 09:00 UTC, midsummer eve (a Finnish holiday eve; midsummer day is a holiday).
#
# The fake time is a constant offset from the real time (FAKETIME="+N" seconds), the same
# in every process the suite starts (the bot served in a subprocess, the crash test's
# sender, Node.js, Chromium), so their clocks agree and time runs at its real rate.
# FAKETIME_DONT_FAKE_MONOTONIC=1 is not used: with libfaketime 0.9.10 it makes every
# time.sleep() fail with EINVAL. Monotonic clocks are shifted by the same constant instead,
# so durations, timeouts and pacing stay real.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
command -v faketime >/dev/null || { echo "error: faketime is not installed (apt-get install faketime)" >&2; exit 1; }

clocks=(
  "$(date -u -d '+400 days' '+%Y-%m-%d %H:%M:%S')"
  "2027-10-31 00:30:00"
  "2027-12-31 23:30:00"
  "2027-06-25 09:00:00"
)

for when in "${clocks[@]}"; do
  offset=$(( $(date -u -d "$when UTC" +%s) - $(date -u +%s) ))
  fake=$(printf '%+d' "$offset")
  # The harness itself is checked: a run whose clock was not really moved proves nothing.
  seen=$(faketime -f "$fake" "$PY" -c 'from bot.clock import system_clock; print(system_clock().strftime("%Y-%m-%d %H:%M"))')
  if [ "$seen" != "${when:0:16}" ]; then
    echo "error: under faketime the bot's clock reads $seen, not ${when:0:16}" >&2
    exit 1
  fi
  echo "== the test suite at $when UTC (bot.clock reads $seen)"
  start=$(date +%s)
  faketime -f "$fake" "$PY" -m pytest -q -n 2 "$@"
  echo "== $when UTC: passed in $(( $(date +%s) - start )) s"
done
