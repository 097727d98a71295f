{#- Each recruited township civil servant's anniversaries of recruitment under the versions of STAFF_TRANSFER_LOCK
    and STAFF_MIN_SERVICE in force for the recruitment township on the as-of date, by the rules' own date
    arithmetic (macro anniversary). Null where the rule is not in force there: nothing is drawn for it. -#}
with recruits as (select * from {{ ref('int_recruits') }}),

coverage as (select * from {{ ref('int_township_rule_coverage') }}),

parameters as (select * from {{ ref('int_rule_parameters') }}),

years as (
    select
        coverage.township_code,
        max(case when coverage.rule_id = 'STAFF_TRANSFER_LOCK' and parameters.parameter = 'lock_years'
            then cast(parameters.value as integer) end) as lock_years,
        max(case when coverage.rule_id = 'STAFF_MIN_SERVICE' and parameters.parameter = 'min_service_years'
            then cast(parameters.value as integer) end) as min_service_years
    from coverage
    inner join parameters on parameters.version_key = coverage.as_of_version_key
    where coverage.as_of_date = {{ last_as_of_date() }}
        and coverage.is_covered
    group by coverage.township_code
),

final as (
    select
        recruits.person_id,
        recruits.recruitment_township_code,
        recruits.recruited_on,
        years.lock_years,
        years.min_service_years,
        {{ anniversary('recruits.recruited_on', 'years.lock_years') }} as lock_anniversary_on,
        {{ anniversary('recruits.recruited_on', 'years.min_service_years') }} as min_service_anniversary_on
    from recruits
    left join years on years.township_code = recruits.recruitment_township_code
)

select * from final
