"""Data made to test the checker: the demo county and the national generator."""
