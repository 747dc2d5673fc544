"""``python -m wardtwin`` runs the command-line interface."""

import sys

from wardtwin.cli import main

sys.exit(main())
