{#- Time arithmetic of contract section 2, in one place so every engine gives the same dates. -#}

{#- The run's as-of date: the `as_of_date` var (dbt's unit tests and a dbt run by hand give it), else
    $WAREHOUSE_AS_OF_DATE (`warehouse build --as-of` sets it); "today", or neither, means the date of the run.
    The environment variable is read only when dbt runs a node, never while it parses: dbt parses the whole project
    again when a var changes, and again each file that read an environment variable when its value changes, so a
    date given either way would cost every build on a new date a full parse (about 5 s; bench/REPORT.md). -#}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value in (none, '', 'today') and execute -%}{%- set value = env_var('WAREHOUSE_AS_OF_DATE', '') -%}{%- endif -%}
    {%- if value in (none, '', 'today') -%}current_date{%- else -%}cast('{{ value }}' as date){%- endif -%}
{%- endmacro %}

{#- The as-of dates judged in one build, as a relation of one column `as_of_date`: the `as_of_dates` var (a list,
    or comma-separated text), else $WAREHOUSE_AS_OF_DATES (comma-separated; a snapshot backfill and a pre-clearance
    check set it, read as $WAREHOUSE_AS_OF_DATE is, above), else the one `as_of_date`. Every as-of-dependent model
    joins it, so one build judges a whole series exactly as one build per date would. Literals, not a ref: unit
    tests need no extra input. -#}
{% macro as_of_dates() -%}
    {%- set values = var('as_of_dates', none) -%}
    {%- if not values and execute -%}{%- set values = env_var('WAREHOUSE_AS_OF_DATES', '') -%}{%- endif -%}
    {%- if values is string -%}{%- set values = values.split(',') | map('trim') | reject('equalto', '') | list -%}{%- endif -%}
    {%- if not values -%}
    (select {{ as_of_date() }} as as_of_date)
    {%- else -%}
    (
        {%- for value in values | unique | sort %}
        select cast('{{ modules.datetime.date.fromisoformat(value | string).isoformat() }}' as date) as as_of_date
        {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
    )
    {%- endif -%}
{%- endmacro %}

{#- The last as-of date of the build (the one date of an ordinary run). -#}
{% macro last_as_of_date() -%}
    (select max(as_of_date) from {{ as_of_dates() }} as last_as_of_dates)
{%- endmacro %}

{#- The N-year anniversary of a date, `date + interval N year` (29 February → 28 February). -#}
{% macro anniversary(date_expr, years_expr) -%}
    {{ return(adapter.dispatch('anniversary')(date_expr, years_expr)) }}
{%- endmacro %}

{% macro duckdb__anniversary(date_expr, years_expr) -%}
    cast({{ dbt.dateadd('year', years_expr, date_expr) }} as date)
{%- endmacro %}

{#- Spark: add_months keeps the day of the month where it exists, else the month's last day (29 February + 1 year
    = 28 February), like DuckDB's interval; dbt.dateadd's Spark version goes through timestamps and rejects nulls. -#}
{% macro spark__anniversary(date_expr, years_expr) -%}
    add_months({{ date_expr }}, cast(({{ years_expr }}) * 12 as int))
{%- endmacro %}

{#- Days in [start, end): end − start. -#}
{% macro days_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('days_between')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro duckdb__days_between(start_expr, end_expr) -%}
    {{ dbt.datediff(start_expr, end_expr, 'day') }}
{%- endmacro %}

{#- Spark: datediff(end, start) in days (dbt.datediff's Spark version rejects nulls). -#}
{% macro spark__days_between(start_expr, end_expr) -%}
    datediff({{ end_expr }}, {{ start_expr }})
{%- endmacro %}

{#- An appraisal year happens on its 31 December (contract section 2). -#}
{% macro year_end(year_expr) -%}
    make_date(cast({{ year_expr }} as integer), 12, 31)
{%- endmacro %}

{#- A far date standing for "still open": postings and units without an end. -#}
{% macro open_end() -%}
    cast('9999-12-31' as date)
{%- endmacro %}

{#- Active on a date: started on or before it and not ended on or before it. -#}
{% macro is_active_on(start_expr, end_expr, on_expr) -%}
    ({{ start_expr }} <= {{ on_expr }} and ({{ end_expr }} is null or {{ end_expr }} > {{ on_expr }}))
{%- endmacro %}

{#- A 12-digit township code falls under a jurisdiction prefix. -#}
{% macro in_jurisdiction(code_expr, prefix_expr) -%}
    (substring({{ code_expr }}, 1, length({{ prefix_expr }})) = {{ prefix_expr }})
{%- endmacro %}

{#- Accumulated township work and township leadership by a date D, side by side: the days of
    [span_start, min(span_end, D)), summed over the merged spans of each kind (contract section 2). Use as the
    aggregates of a query over int_postings_merged rows grouped by person (or posting) and date: one pass
    gives both kinds. -#}
{% macro experience_day_totals(spans, date_expr) -%}
    {%- for kind in ['township', 'leadership'] %}
    coalesce(sum(
        case
            when {{ spans }}.experience_kind = '{{ kind }}' and {{ spans }}.span_start < {{ date_expr }}
                then {{ days_between(spans ~ '.span_start', 'least(' ~ spans ~ '.span_end, ' ~ date_expr ~ ')') }}
            else 0
        end
    ), 0) as {{ kind }}_days{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
