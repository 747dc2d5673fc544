"""Run ralph's LRS (ralph-malph, file-system backend) on loopback for the xAPI tests.

Usage: python ralph_lrs.py DATA_DIR PORT (in ralph's own virtual environment; .ci/services.sh
starts it). ralph 5.1.0's file-system LRS backend keeps every statement in one file that it
opens in CREATE mode, so every write after the first fails (500). Its data backend also has an
APPEND mode: this launcher makes that the backend's default before the app is imported, so
every batch is stored in the one file, which ralph reads back for queries and duplicate checks.
Basic auth: user ``wardtwin``, password ``wardtwin-test`` (all scopes), written to DATA_DIR/auth.json.
"""

import json
import os
import sys
from pathlib import Path

import bcrypt


def main() -> None:
    data, port = Path(sys.argv[1]), int(sys.argv[2])
    data.mkdir(parents=True, exist_ok=True)
    auth = data / "auth.json"
    auth.write_text(json.dumps([{
        "agent": {"mbox": "mailto:wardtwin-ci@example.org"}, "scopes": ["all"], "username": "wardtwin",
        "hash": bcrypt.hashpw(b"wardtwin-test", bcrypt.gensalt(rounds=4)).decode("ascii")}]))
    os.environ.update({"RALPH_AUTH_FILE": str(auth), "RALPH_RUNSERVER_BACKEND": "fs",
                       "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(data),
                       "RALPH_APP_DIR": str(data)})
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend

    FSLRSBackend.default_operation_type = BaseOperationType.APPEND
    import uvicorn

    uvicorn.run("ralph.api:app", host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
