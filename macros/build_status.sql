{#- Whether the marts are those of one complete build: marts.build_status holds one row, `running` from the start
    of a build (on-run-start) and `complete` or `failed` at its end (on-run-end). A build killed half-way leaves
    `running`, and `warehouse export` refuses such marts (warehouse/db.py check_built): on DuckDB a build writes a
    new file and a killed one never becomes the warehouse, but Spark's tables are replaced one by one in place.
    Written by `build` and `run` invocations only (the test suite's `dbt test` of unit tests leaves it alone). -#}
{% macro build_status_relation() -%}
    {{ generate_schema_name('marts', none) }}.build_status
{%- endmacro %}

{% macro write_build_status(status) -%}
    {%- if execute and flags.WHICH in ('build', 'run') -%}
        {%- do run_query('create schema if not exists ' ~ generate_schema_name('marts', none)) -%}
        {%- do run_query('drop table if exists ' ~ build_status_relation()) -%}
        {%- do run_query(
            'create table ' ~ build_status_relation() ~ (' using parquet' if target.type == 'spark' else '')
            ~ " as select '" ~ invocation_id ~ "' as invocation_id, '" ~ status ~ "' as status, "
            ~ dbt.current_timestamp() ~ ' as changed_at'
        ) -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{% macro start_build() -%}
    {{ return(write_build_status('running')) }}
{%- endmacro %}

{#- `results`: dbt's results of the invocation; any error, failed test or skipped node makes the build failed. -#}
{% macro finish_build(results) -%}
    {%- set broken = results | selectattr('status', 'in', ['error', 'fail', 'runtime error', 'skipped']) | list -%}
    {{ return(write_build_status('failed' if broken else 'complete')) }}
{%- endmacro %}
