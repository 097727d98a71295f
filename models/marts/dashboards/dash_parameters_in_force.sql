{#- The parameter values of the enabled version of each rule in force for each township on the as-of date (the
    last of a series): the limits the charts draw as bands and lines. -#}
with coverage as (select * from {{ ref('int_township_rule_coverage') }}),

versions as (select * from {{ ref('int_rule_versions') }}),

parameters as (select * from {{ ref('int_rule_parameters') }}),

final as (
    select
        coverage.township_code,
        coverage.rule_id,
        parameters.parameter,
        parameters.value
    from coverage
    inner join versions on versions.version_key = coverage.as_of_version_key
    inner join parameters on parameters.version_key = coverage.as_of_version_key
    where versions.is_enabled
        and coverage.as_of_date = {{ last_as_of_date() }}
)

select * from final
