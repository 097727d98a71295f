{#- A date N days later (N an integer expression): deadlines reached by accumulating days of experience. -#}
{% macro add_days(date_expr, days_expr) -%}
    {{ return(adapter.dispatch('add_days')(date_expr, days_expr)) }}
{%- endmacro %}

{% macro duckdb__add_days(date_expr, days_expr) -%}
    cast({{ date_expr }} + cast({{ days_expr }} as integer) as date)
{%- endmacro %}

{#- Spark: date_add keeps a date (dbt.dateadd's Spark version goes through timestamps and rejects nulls). -#}
{% macro spark__add_days(date_expr, days_expr) -%}
    date_add({{ date_expr }}, cast({{ days_expr }} as int))
{%- endmacro %}
