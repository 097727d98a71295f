"""Dated compliance snapshots and their lifecycle."""
