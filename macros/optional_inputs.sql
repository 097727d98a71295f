{#- Raw tables that a load may lack (source tables with `config: meta: {optional: true}` and declared columns in
    models/staging/inputs/_staging_inputs.yml): the optional input `waivers` in a load made before it existed, and
    the pre-clearance tables, which only `warehouse check` writes. A build reads such a table as empty, with its
    declared columns, so every model over it runs on every load. -#}
{% macro is_optional_table(table) -%}
    {{ return((table.config.get('meta', {}) or {}).get('optional', false) or (table.meta or {}).get('optional', false)) }}
{%- endmacro %}

{#- DuckDB: the view body over a raw table's Parquet files (`files`, a quoted glob), or the empty relation with
    the declared columns when the table is optional and the load has no file for it. -#}
{% macro loaded_table_sql(table, files) -%}
    {%- set has_files = true -%}
    {%- if is_optional_table(table) and execute -%}
        {%- set has_files = run_query("select count(*) from glob('" ~ files ~ "')").columns[0].values()[0] > 0 -%}
    {%- endif -%}
    {%- if has_files -%}
        select * from read_parquet('{{ files }}')
    {%- else -%}
        select {% for column in table.columns.values() -%}
            cast(null as {{ column.data_type }}) as {{ column.name }}{{ ', ' if not loop.last }}
        {%- endfor %} where false
    {%- endif -%}
{%- endmacro %}

{#- Spark: an optional table is created with its declared columns, so no file is needed to know them. -#}
{% macro optional_table_schema(table) -%}
    {%- if is_optional_table(table) -%}
        ({% for column in table.columns.values() %}{{ column.name }} {{ column.data_type }}{{ ', ' if not loop.last }}{% endfor %})
    {%- endif -%}
{%- endmacro %}
