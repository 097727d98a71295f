{#- The snapshot history's tables (schema `history`), created empty when missing, before every dbt invocation
    (on-run-start in dbt_project.yml): the history marts read them through source('history', …) from the first
    build on, and `warehouse snapshot` (warehouse/snapshot.py) appends to them, never updates or deletes.
    One snapshot per (snapshot_date, rulebook_version); its findings and townships carry its snapshot_id. -#}
{% macro create_history_tables() -%}
create schema if not exists history;
create table if not exists history.snapshots (
    snapshot_id varchar primary key,
    rulebook_version varchar not null,
    inputs_checksum varchar not null,
    inputs varchar not null,
    software varchar not null,
    run_id varchar not null,
    findings integer not null,
    townships integer not null,
    snapshot_date date not null,
    taken_at timestamp with time zone not null,
    unique (snapshot_date, rulebook_version)
);
create table if not exists history.snapshot_findings (
    snapshot_id varchar not null,
    rule_id varchar not null,
    severity varchar not null,
    township_code varchar not null,
    person_id varchar,
    period integer,
    county_code varchar,
    township_name varchar,
    param_id varchar not null,
    observed varchar,
    limit_value varchar,
    message_zh varchar not null,
    citation varchar not null,
    event_on date not null
);
create table if not exists history.snapshot_townships (
    snapshot_id varchar not null,
    township_code varchar not null,
    county_code varchar,
    township_name varchar,
    primary key (snapshot_id, township_code)
)
{%- endmacro %}
