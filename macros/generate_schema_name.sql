{#- Layer schemas are used as named (staging, rules, marts), not prefixed with the target schema, so readers
    and notebooks find `marts.violations` whatever the target. Target `history` (a snapshot's build of a series of
    as-of dates) writes beside them, prefixed: history_staging, history_rules, history_marts … -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set name = target.schema if custom_schema_name is none else custom_schema_name | trim -%}
    {%- if target.name == 'history' -%}history_{{ name }}{%- else -%}{{ name }}{%- endif -%}
{%- endmacro %}
