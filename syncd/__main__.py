"""``python -m syncd``."""

from __future__ import annotations

import sys

from syncd.commands.cli import main

sys.exit(main())
