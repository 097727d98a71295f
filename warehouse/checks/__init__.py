"""The second line of checks: Great Expectations suites over the built warehouse, and their cross-check with dbt."""
