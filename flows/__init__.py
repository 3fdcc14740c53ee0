"""The shell: CLI commands and (Prefect) flows that sequence the core functions in `rtr` and do the I/O."""

import os

# Quiet and offline: no telemetry, no analytics (there is no network on the target machines).
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
