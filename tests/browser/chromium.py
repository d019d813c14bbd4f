"""How every browser test starts Debian's Chromium: its path and the flags this closed network needs."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("LANTERN_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
