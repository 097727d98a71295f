{#- The rulebook's versions and parameter rows, read from int_rulebook_parameters_merged (the shipped seed with a
    user rulebook's rows added, supersession applied), so int_rule_versions, int_rule_parameters and every rule
    (and its unit tests, which give that model's rows) share one definition. -#}
{% macro version_key_sql() -%}
    rule_id || '@' || jurisdiction_prefix || '@' || cast(valid_from as {{ dbt.type_string() }})
{%- endmacro %}

{% macro rule_versions_sql() -%}
    select
        {{ version_key_sql() }} as version_key,
        rule_id,
        jurisdiction_prefix,
        jurisdiction_name,
        is_enabled,
        valid_from,
        valid_until
    from (
        select
            rule_id,
            jurisdiction_prefix,
            max(jurisdiction_name) as jurisdiction_name,
            valid_from,
            max(valid_until) as valid_until,
            coalesce(max(case when parameter = 'enabled' then value end), 'true') = 'true' as is_enabled
        from {{ ref('int_rulebook_parameters_merged') }}
        group by rule_id, jurisdiction_prefix, valid_from
    ) as grouped_versions
{%- endmacro %}

{% macro rule_parameters_sql() -%}
    select
        param_id,
        {{ version_key_sql() }} as version_key,
        rule_id,
        jurisdiction_prefix,
        parameter,
        value,
        document || ' ' || clause || '：' || quote_zh as citation,
        document_short || ' ' || clause || '：' || quote_zh as short_citation,
        valid_from,
        valid_until
    from {{ ref('int_rulebook_parameters_merged') }}
{%- endmacro %}

{#- The rule's in-force date for a township: the earliest valid_from of an enabled version whose prefix matches
    (docs/rules.md). Null when the rule never applies there. rule_expr is SQL: a quoted id or a column. -#}
{% macro first_in_force_on(rule_expr, township_expr) -%}
    (
        select min(enabled_versions.valid_from)
        from ({{ rule_versions_sql() }}) as enabled_versions
        where enabled_versions.rule_id = {{ rule_expr }}
            and enabled_versions.is_enabled
            and {{ in_jurisdiction(township_expr, 'enabled_versions.jurisdiction_prefix') }}
    )
{%- endmacro %}

{#- Rulebook look-ups shared by the rule models (docs/rules.md, "The rulebook"). -#}

{#- Each row of `events` joined to the version of `rule_id` in force for its township on its date: the longest
    matching jurisdiction prefix, then the latest valid_from. Rows with no version in force, or whose version
    switches the rule off (`enabled` = false), are dropped: not covered, never passing. With rule_id none, the
    rule is the events' own `rule_id` column; with only_enabled false, switched-off versions are kept. -#}
{% macro in_force_version(rule_id, events, event_key, township_column, date_expr, only_enabled=true) -%}
(
    select *
    from (
        select
            events.*,
            versions.version_key,
            versions.is_enabled as is_version_enabled,
            row_number() over (
                partition by {{ event_key }}
                order by length(versions.jurisdiction_prefix) desc, versions.valid_from desc
            ) as version_rank
        from {{ events }} as events
        inner join ({{ rule_versions_sql() }}) as versions
            on versions.rule_id = {% if rule_id is none %}events.rule_id{% else %}'{{ rule_id }}'{% endif %}
            and {{ in_jurisdiction('events.' ~ township_column, 'versions.jurisdiction_prefix') }}
            and versions.valid_from <= {{ date_expr }}
            and (versions.valid_until is null or {{ date_expr }} < versions.valid_until)
    ) as ranked
    where version_rank = 1{% if only_enabled %} and is_version_enabled{% endif %}
)
{%- endmacro %}

{#- Join one named parameter of the version picked above, as `<alias>.value` and `<alias>.param_id`. -#}
{% macro join_parameter(alias, relation_alias, name) -%}
    left join ({{ rule_parameters_sql() }}) as {{ alias }}
        on {{ alias }}.version_key = {{ relation_alias }}.version_key
        and {{ alias }}.parameter = '{{ name }}'
{%- endmacro %}

{#- One violation per (township_code, person_id, period) and as-of date: the earliest event of a person in a
    township up to that date. -#}
{% macro first_per_key(relation) -%}
(
    select *
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by as_of_date, township_code, person_id, period
                order by event_on, observed
            ) as key_rank
        from {{ relation }}
    ) as ranked_findings
    where key_rank = 1
)
{%- endmacro %}

{#- The columns every rule model returns, one row per violation and as-of date. `finding_zh` is the reader's
    sentence without the citation; the violations mart appends the citation of `param_id`. -#}
{% macro violation_columns(rule_id, observed, limit_value, event_on, param_id, finding_zh, person_id=none, period=none) -%}
        '{{ rule_id }}' as rule_id,
        township_code,
        cast({{ person_id if person_id is not none else 'null' }} as {{ dbt.type_string() }}) as person_id,
        cast({{ period if period is not none else 'null' }} as integer) as period,
        cast({{ observed }} as {{ dbt.type_string() }}) as observed,
        cast({{ limit_value }} as {{ dbt.type_string() }}) as limit_value,
        param_id_used as param_id,
        {{ finding_zh }} as finding_zh,
        cast({{ event_on }} as date) as event_on,
        as_of_date
{%- endmacro %}

{#- Text of a number or date inside a message. -#}
{% macro txt(expr) -%}
    cast({{ expr }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- The Chinese label of an end_reason code, for messages (labels as in warehouse/contract.py END_REASONS). -#}
{% macro end_reason_zh(expr) -%}
    case {{ expr }}
        when 'transfer' then '调动'
        when 'promotion' then '提拔'
        when 'resignation' then '辞职'
        when 'retirement' then '退休'
        when 'dismissal' then '辞退'
        when 'death' then '死亡'
        when 'other' then '其他'
        else '未填'
    end
{%- endmacro %}
