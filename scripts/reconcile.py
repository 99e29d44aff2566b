"""`make reconcile`: one run of the scheduled reconciler against the local catalog (the same code as the Lambda).

Uses the catalog `make run` uses (./.data/voices.sqlite3 unless OPENTALKING_SQLITE_PATH says otherwise) and
DASHSCOPE_API_KEY from the environment; without a key both providers are skipped and only expired idempotency
records are purged. Prints the run's summary as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

LOCAL_ENVIRONMENT = {
    "OPENTALKING_SQLITE_PATH": str(Path(".data") / "voices.sqlite3"),
    "POWERTOOLS_SERVICE_NAME": "voice-service-local",
    "POWERTOOLS_METRICS_NAMESPACE": "OpenTalkingVoiceLocal",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def main() -> int:
    for name, value in LOCAL_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    from functions.reconcile_voices.app import reconcile

    summary = reconcile()
    print(json.dumps(asdict(summary), indent=2))
    return 1 if summary.errors else 0


if __name__ == "__main__":
    sys.exit(main())
