"""The one folder where followup keeps its caches (validated rulesets, holiday tables).

Both caches only ever save work: deleting the folder, or ``FOLLOWUP_CACHE=0``, changes no advice.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path | None:
    """Where cache files live, or None when the cache is turned off."""
    if os.environ.get("FOLLOWUP_CACHE", "1") == "0":
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "followup"
