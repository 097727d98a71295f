{#- None of `columns` is null. One test and one scan of the model for all its required columns: a `not_null` test
    per column cost a dbt node each (about 20 ms of dbt's own time, 261 of them: a third of the demo's build) and a
    scan each at national scale. Fails with one row per column holding nulls, saying how many. -#}
{% test not_null_columns(model, columns) %}
with counted as (
    select
    {%- for column in columns %}
        count_if({{ column }} is null) as nulls_{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{% for column in columns -%}
select '{{ column }}' as column_name, nulls_{{ loop.index }} as null_rows from counted where nulls_{{ loop.index }} > 0
{{ "union all" if not loop.last }}
{% endfor -%}
{% endtest %}
