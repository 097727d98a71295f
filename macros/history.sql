{#- The snapshot history's tables (schema `history`), created empty when missing, before every dbt invocation
    (on-run-start in dbt_project.yml): the history marts read them through source('history', …) from the first
    build on, and `warehouse snapshot` (warehouse/snapshot.py) appends to them, never updates or deletes.
    One snapshot per (snapshot_date, rulebook_version); its findings and townships carry its snapshot_id.
    The columns are listed once; DuckDB adds the keys, Spark (which enforces none) stores Parquet. -#}
{% macro history_tables() -%}
    {{ return({
        'snapshots': {
            'columns': [
                ('snapshot_id', 'string not null'), ('rulebook_version', 'string not null'),
                ('inputs_checksum', 'string not null'), ('inputs', 'string not null'), ('software', 'string not null'),
                ('run_id', 'string not null'), ('findings', 'integer not null'), ('townships', 'integer not null'),
                ('snapshot_date', 'date not null'), ('taken_at', timestamp_tz_type() ~ ' not null'),
            ],
            'keys': ['primary key (snapshot_id)', 'unique (snapshot_date, rulebook_version)'],
        },
        'snapshot_findings': {
            'columns': [
                ('snapshot_id', 'string not null'), ('rule_id', 'string not null'), ('severity', 'string not null'),
                ('township_code', 'string not null'), ('person_id', 'string'), ('period', 'integer'),
                ('county_code', 'string'), ('township_name', 'string'), ('param_id', 'string not null'),
                ('observed', 'string'), ('limit_value', 'string'), ('message_zh', 'string not null'),
                ('citation', 'string not null'), ('event_on', 'date not null'), ('waiver_no', 'string'),
            ],
            'keys': [],
        },
        'snapshot_townships': {
            'columns': [
                ('snapshot_id', 'string not null'), ('township_code', 'string not null'), ('county_code', 'string'),
                ('township_name', 'string'),
            ],
            'keys': ['primary key (snapshot_id, township_code)'],
        },
    }) }}
{%- endmacro %}

{% macro create_history_tables() -%}
    {{ return(adapter.dispatch('create_history_tables')()) }}
{%- endmacro %}

{#- A column added later (nullable: waiver_no) is added to a history table of an older warehouse file, so a
    snapshot appending into a copy of that file finds it. -#}
{% macro duckdb__create_history_tables() -%}
create schema if not exists history;
{%- for name, table in history_tables().items() %}
create table if not exists history.{{ name }} (
    {%- for column, kind in table.columns %}
    {{ column }} {{ kind }}{% if not loop.last or table['keys'] %},{% endif %}
    {%- endfor %}
    {%- for key in table['keys'] %}
    {{ key }}{% if not loop.last %},{% endif %}
    {%- endfor %}
);
{%- for column, kind in table.columns if 'not null' not in kind %}
alter table history.{{ name }} add column if not exists {{ column }} {{ kind }}{% if not loop.last %};{% endif %}
{%- endfor %}{% if not loop.last %};{% endif %}
{%- endfor %}
{%- endmacro %}

{#- Spark: one statement per call (the session cursor runs one), no keys; the history store itself stays in the
    warehouse file (warehouse/snapshot.py), these tables let a full Spark build of the history marts run. -#}
{% macro spark__create_history_tables() -%}
    {%- do run_query('create database if not exists history') -%}
    {%- for name, table in history_tables().items() -%}
        {%- set columns = [] -%}
        {%- for column, kind in table.columns -%}{%- do columns.append(column ~ ' ' ~ kind.replace(' not null', '')) -%}{%- endfor -%}
        {%- do run_query('create table if not exists history.' ~ name ~ ' (' ~ columns | join(', ') ~ ') using parquet') -%}
        {%- if execute -%}
            {%- set present = run_query('describe history.' ~ name).columns[0].values() -%}
            {%- set missing = [] -%}
            {%- for column, kind in table.columns if column not in present -%}{%- do missing.append(column ~ ' ' ~ kind) -%}{%- endfor -%}
            {%- if missing -%}{%- do run_query('alter table history.' ~ name ~ ' add columns (' ~ missing | join(', ') ~ ')') -%}{%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    select 1
{%- endmacro %}

{#- `dbt run-operation ensure_history_tables`: the history tables in the warehouse file without a build, for a
    snapshot judged on another engine (the history stays in the warehouse file; warehouse/snapshot.py). -#}
{% macro ensure_history_tables() -%}
    {%- do run_query(create_history_tables()) -%}
{%- endmacro %}

{#- A build writes a new warehouse file (warehouse/db.py staged): the history of the file it replaces
    ($WAREHOUSE_PREVIOUS_DB, set by `warehouse build`) is copied into it first, row for row, so the history stays
    append-only across builds. On-run-start, after create_history_tables. A file from before a column was added
    (waiver_no) lacks it: its rows are copied with the column null. -#}
{% macro carry_history() -%}
    {{ return(adapter.dispatch('carry_history')()) }}
{%- endmacro %}

{% macro default__carry_history() -%}
    select 1
{%- endmacro %}

{% macro duckdb__carry_history() -%}
    {%- set previous = env_var('WAREHOUSE_PREVIOUS_DB', '') -%}
    {%- if execute and previous -%}
        {%- do run_query("attach '" ~ previous.replace("'", "''") ~ "' as previous_warehouse (read_only)") -%}
        {%- set present = run_query("select table_name from information_schema.tables where table_catalog = 'previous_warehouse' and table_schema = 'history'").columns[0].values() -%}
        {%- for name, table in history_tables().items() if name in present -%}
            {%- set kept = run_query("select column_name from information_schema.columns where table_catalog = 'previous_warehouse' and table_schema = 'history' and table_name = '" ~ name ~ "'").columns[0].values() -%}
            {%- set columns = table.columns | map(attribute=0) | select('in', kept) | join(', ') -%}
            {%- do run_query('insert into history.' ~ name ~ ' (' ~ columns ~ ') select ' ~ columns ~ ' from previous_warehouse.history.' ~ name) -%}
        {%- endfor -%}
        {%- do run_query('detach previous_warehouse') -%}
    {%- endif -%}
    select 1
{%- endmacro %}
