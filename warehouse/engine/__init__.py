"""Running the checks: connections to the warehouse file, new builds swapped in, dbt runs, provenance."""
