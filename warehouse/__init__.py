"""Township-government compliance checker: loader, dbt build, exports, validation, snapshots."""

__version__ = "0.1.0"
