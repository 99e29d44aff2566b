"""`make assign-unowned TO=<sub> [IDS=3,7]`: give the catalog's unowned voices to one user (the local catalog).

Voices cloned before users signed in (or in the open and api-key modes) have no owner: in the users mode only the
admin group sees them. This hands them, all or the listed ids, to the user whose token carries `sub` = TO, through
the same code the deployed reconciler function runs for `{"assign_unowned": {...}}` (README, "Per-user catalogs").
A label the user already has is renamed as a clone would rename it. Prints the ids assigned as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from scripts.reconcile import LOCAL_ENVIRONMENT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--to", required=True, help="the user's id (the `sub` of their tokens)")
    parser.add_argument("--ids", default="", help="comma-separated entry ids (default: every unowned entry)")
    arguments = parser.parse_args(argv)
    for name, value in LOCAL_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    from pydantic import ValidationError

    from functions.reconcile_voices.app import AssignUnowned, assign_unowned
    from voice_service.settings import ReconcileVoicesFunctionSettings

    ids = [part.strip() for part in arguments.ids.split(",") if part.strip()]
    try:
        request = AssignUnowned.model_validate({"user_id": arguments.to, "entry_ids": ids or None})
    except ValidationError as exc:
        print(f"assign-unowned: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}", file=sys.stderr)
        return 2
    settings = ReconcileVoicesFunctionSettings.from_environment(dict(os.environ))
    print(json.dumps({"user_id": request.user_id, "assigned": assign_unowned(request, settings)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
