"""What a run records about itself: the software that made it."""

from __future__ import annotations

import platform
from importlib import metadata

SOFTWARE = ("township-warehouse", "duckdb", "dbt-core", "dbt-duckdb", "polars")


def software_versions(names: tuple[str, ...] = SOFTWARE) -> dict[str, str]:
    """Installed versions of Python and the named packages, for manifests and the benchmark report."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions
