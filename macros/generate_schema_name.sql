{#- Layer schemas are used as named (staging, rules, marts), not prefixed with the target schema, so readers
    and notebooks find `marts.violations` whatever the target. The history targets (`history`, `spark_history`: a
    snapshot's build of a series of as-of dates) write beside them, prefixed: history_staging … history_marts. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set name = target.schema if custom_schema_name is none else custom_schema_name | trim -%}
    {%- if target.name in ('history', 'spark_history') -%}history_{{ name }}{%- else -%}{{ name }}{%- endif -%}
{%- endmacro %}
