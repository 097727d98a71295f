{#- What differs between the engines (DuckDB, the default, and Spark through dbt-spark), each behind one
    adapter.dispatch macro with a duckdb__ and a spark__ version, so no model body holds engine-specific syntax.
    dbt's own cross-database macros (dbt.dateadd, dbt.datediff, dbt.concat, dbt.listagg …) serve the rest. -#}

{#- A timestamp with its time zone: DuckDB `timestamptz`; Spark's `timestamp` is an instant already. -#}
{% macro timestamp_tz_type() -%}
    {{ return(adapter.dispatch('timestamp_tz_type')()) }}
{%- endmacro %}

{% macro default__timestamp_tz_type() -%}timestamp with time zone{%- endmacro %}

{% macro spark__timestamp_tz_type() -%}timestamp{%- endmacro %}

{#- The loaded data (contract section 1), as schema `raw`, made at the start of every build (on-run-start) over the
    loader's Parquet folders ($WAREHOUSE_LOADED: the load the build judges; `warehouse build` sets it), one view or
    table per table of source `raw` (models/staging/_sources.yml). Without $WAREHOUSE_LOADED (a build of the
    history marts only) the `raw` schema is left as it is. -#}
{% macro register_loaded_data() -%}
    {{ return(adapter.dispatch('register_loaded_data')()) }}
{%- endmacro %}

{#- DuckDB: views in the new warehouse file a build writes (warehouse/db.py staged), over the load folder the build
    started from, so the file holds one build of one load. -#}
{% macro duckdb__register_loaded_data() -%}
    {%- set root = env_var('WAREHOUSE_LOADED', '') -%}
    {%- if execute and root -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for table in graph.sources.values() if table.source_name == 'raw' -%}
            {%- set files = (root ~ '/' ~ table.name ~ '/*.parquet').replace("'", "''") -%}
            {%- do run_query("create or replace view raw." ~ table.name ~ " as " ~ loaded_table_sql(table, files)) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{% macro spark__register_loaded_data() -%}
    {%- set root = env_var('WAREHOUSE_LOADED', '') -%}
    {%- if execute and root -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- for table in graph.sources.values() if table.source_name == 'raw' -%}
            {%- do run_query('drop table if exists raw.' ~ table.name) -%}
            {%- do run_query("create table raw." ~ table.name ~ optional_table_schema(table) ~ " using parquet location '" ~ root ~ "/" ~ table.name ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{#- Text values of a group joined in the order of a key, e.g. the parameters of a rulebook version. -#}
{% macro ordered_string_agg(expr, delimiter, order_by) -%}
    {{ return(adapter.dispatch('ordered_string_agg')(expr, delimiter, order_by)) }}
{%- endmacro %}

{% macro duckdb__ordered_string_agg(expr, delimiter, order_by) -%}
    string_agg({{ expr }}, {{ delimiter }} order by {{ order_by }})
{%- endmacro %}

{#- Spark: collect (key, value) pairs, sort them (structs sort field by field), keep the values. -#}
{% macro spark__ordered_string_agg(expr, delimiter, order_by) -%}
    array_join(transform(array_sort(collect_list(struct({{ order_by }} as sort_key, {{ expr }} as item))), pair -> pair.item), {{ delimiter }})
{%- endmacro %}

{#- The last non-null value of a window frame (used with `over (…)`). -#}
{% macro last_non_null(expr) -%}
    {{ return(adapter.dispatch('last_non_null')(expr)) }}
{%- endmacro %}

{% macro duckdb__last_non_null(expr) -%}
    last_value({{ expr }} ignore nulls)
{%- endmacro %}

{% macro spark__last_non_null(expr) -%}
    last_value({{ expr }}, true)
{%- endmacro %}

{#- Whether text matches a regular expression (anchor it with ^…$ for a whole match). -#}
{% macro matches_regex(expr, pattern) -%}
    {{ return(adapter.dispatch('matches_regex')(expr, pattern)) }}
{%- endmacro %}

{% macro duckdb__matches_regex(expr, pattern) -%}
    regexp_matches({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__matches_regex(expr, pattern) -%}
    ({{ expr }} rlike '{{ pattern }}')
{%- endmacro %}

{#- dbt-spark's seed loader puts each value between quotes without escaping (a `'` in the rulebook's English breaks
    the statement, and an empty cell becomes the text 'None'): this one writes escaped literals and real nulls. -#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {%- for row in chunk %}
            (
                {%- for value in row -%}
                    {%- set column = agate_table.column_names[loop.index0] -%}
                    {%- set kind = column_override.get(column, adapter.convert_type(agate_table, loop.index0)) -%}
                    {%- if value is none -%}cast(null as {{ kind }})
                    {%- else -%}cast('{{ (value | string).replace('\\', '\\\\').replace("'", "\\'") }}' as {{ kind }})
                    {%- endif -%}
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}
            ){% if not loop.last %},{% endif %}
            {%- endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}

{#- One bit of a 64-bit mask per year (year mod 64), for a per-key bitmask of years (test unique_per_year). DuckDB
    shifts an unsigned integer (a signed one overflows into the sign bit); Spark's bigint wraps. -#}
{% macro year_bit(year_expr) -%}
    {{ return(adapter.dispatch('year_bit')(year_expr)) }}
{%- endmacro %}

{% macro duckdb__year_bit(year_expr) -%}
    (cast(1 as ubigint) << cast(((({{ year_expr }}) % 64) + 64) % 64 as integer))
{%- endmacro %}

{% macro spark__year_bit(year_expr) -%}
    shiftleft(cast(1 as bigint), cast(((({{ year_expr }}) % 64) + 64) % 64 as int))
{%- endmacro %}

{#- A text known when dbt runs (an env var's value) as an SQL string literal; empty text is null. DuckDB doubles a
    quote; Spark reads backslash escapes (and would join two adjacent literals into one). -#}
{% macro text_literal(text) -%}
    {{ return(adapter.dispatch('text_literal')(text)) }}
{%- endmacro %}

{% macro default__text_literal(text) -%}
    {%- if text -%}'{{ text | replace("'", "''") }}'{%- else -%}cast(null as {{ dbt.type_string() }}){%- endif -%}
{%- endmacro %}

{% macro spark__text_literal(text) -%}
    {%- if text -%}'{{ text | replace('\\', '\\\\') | replace("'", "\\'") }}'{%- else -%}cast(null as string){%- endif -%}
{%- endmacro %}
