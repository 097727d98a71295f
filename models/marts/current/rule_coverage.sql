{#- One row per rule × jurisdiction version of the rulebook (and one row for a rule with no version at all), with
    its in-force dates, parameters, citation and how many loaded townships it covers on the as-of date (the last
    one, when a build judges a series of dates). -#}
with rules as (select * from {{ ref('rulebook_rules') }}),

versions as (select * from {{ ref('int_rule_versions') }}),

parameters as (select * from {{ ref('int_rule_parameters') }}),

coverage as (select * from {{ ref('int_township_rule_coverage') }}),

parameter_lists as (
    select
        version_key,
        {{ ordered_string_agg("parameter || '=' || value", "'; '", 'parameter') }} as parameters,
        min(citation) as citation
    from parameters
    group by version_key
),

townships_covered as (
    select
        as_of_version_key as version_key,
        count(*) as townships_covered
    from coverage
    where as_of_version_key is not null
        and as_of_date = {{ last_as_of_date() }}
    group by as_of_version_key
),

final as (
    select
        rules.rule_id,
        rules.severity,
        rules.rule_kind,
        rules.title_zh,
        versions.version_key,
        versions.jurisdiction_prefix,
        versions.jurisdiction_name,
        parameter_lists.parameters,
        parameter_lists.citation,
        cast(townships_covered.townships_covered as integer) as townships_covered_on_as_of,
        coalesce(versions.is_enabled, false) as is_enabled,
        versions.valid_from,
        versions.valid_until
    from rules
    left join versions on versions.rule_id = rules.rule_id
    left join parameter_lists on parameter_lists.version_key = versions.version_key
    left join townships_covered on townships_covered.version_key = versions.version_key
)

select * from final
