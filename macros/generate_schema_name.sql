{#- Layer schemas are used as named (staging, rules, marts), not prefixed with the target schema, so readers
    and notebooks find `marts.violations` whatever the target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
