{#- A user rulebook (contract section 6) reaches the models as the table `rulebook_user.parameters`: `warehouse
    build`, `run` and `snapshot` validate the office's file first (warehouse/inputs/user_rulebook.py), write its rows
    as one Parquet file and name it in $WAREHOUSE_RULEBOOK_ROWS (an empty file when there is no user rulebook, so a
    Spark table from an earlier build never lingers). This on-run-start hook copies them into the relation the build
    writes: a table of the new warehouse file on DuckDB, a Spark table. Without $WAREHOUSE_RULEBOOK_ROWS (the test
    suite's `dbt test`, the lifecycle marts rebuilt by a snapshot) the table is left as it is, or created empty.
    The columns are those of seeds/rulebook/rulebook_parameters.csv, listed once here. -#}
{% macro user_rulebook_columns() -%}
    {{ return([
        ('param_id', 'string'), ('rule_id', 'string'), ('jurisdiction_prefix', 'string'),
        ('jurisdiction_name', 'string'), ('valid_from', 'date'), ('valid_until', 'date'), ('parameter', 'string'),
        ('value', 'string'), ('document', 'string'), ('document_short', 'string'), ('clause', 'string'),
        ('quote_zh', 'string'), ('source_row', 'integer'),
    ]) }}
{%- endmacro %}

{% macro register_user_rulebook() -%}
    {{ return(adapter.dispatch('register_user_rulebook')()) }}
{%- endmacro %}

{% macro user_rulebook_select(relation) -%}
    select
        {%- for column, kind in user_rulebook_columns() %}
        cast({{ column }} as {{ kind }}) as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ relation }}
{%- endmacro %}

{% macro user_rulebook_ddl() -%}
    (
        {%- for column, kind in user_rulebook_columns() -%}
        {{ column }} {{ kind }}{% if not loop.last %}, {% endif %}
        {%- endfor -%}
    )
{%- endmacro %}

{% macro duckdb__register_user_rulebook() -%}
    {%- set rows = env_var('WAREHOUSE_RULEBOOK_ROWS', '') -%}
    {%- if execute -%}
        {%- do run_query('create schema if not exists rulebook_user') -%}
        {%- if rows -%}
            {%- set relation = "read_parquet('" ~ rows.replace("'", "''") ~ "')" -%}
            {%- do run_query('create or replace table rulebook_user.parameters as ' ~ user_rulebook_select(relation)) -%}
        {%- else -%}
            {%- do run_query('create table if not exists rulebook_user.parameters ' ~ user_rulebook_ddl()) -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{% macro spark__register_user_rulebook() -%}
    {%- set rows = env_var('WAREHOUSE_RULEBOOK_ROWS', '') -%}
    {%- if execute -%}
        {%- do run_query('create database if not exists rulebook_user') -%}
        {%- if rows -%}
            {%- do run_query('drop table if exists rulebook_user.parameters') -%}
            {%- set relation = 'parquet.`' ~ rows.replace('`', '``') ~ '`' -%}
            {%- do run_query('create table rulebook_user.parameters using parquet as ' ~ user_rulebook_select(relation)) -%}
        {%- else -%}
            {%- do run_query('create table if not exists rulebook_user.parameters ' ~ user_rulebook_ddl() ~ ' using parquet') -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
