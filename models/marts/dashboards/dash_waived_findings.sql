{#- The findings of the as-of date (the last of a series) that an approved exception in force covers, with the
    exception beside each: the dashboards show them apart from the findings that stand. -#}
with violations as (select * from {{ ref('violations') }}),

waivers as (select * from {{ ref('stg_waivers') }}),

people as (select * from {{ ref('stg_people') }}),

final as (
    select
        violations.rule_id,
        violations.severity,
        violations.township_code,
        violations.county_code,
        violations.township_name,
        violations.person_id,
        people.name as person_name,
        violations.period,
        violations.message_zh,
        violations.waiver_id,
        violations.waiver_no,
        waivers.approved_by,
        waivers.reason,
        waivers.approved_on,
        waivers.valid_until
    from violations
    inner join waivers on waivers.waiver_id = violations.waiver_id
    left join people on people.person_id = violations.person_id
    where violations.as_of = {{ last_as_of_date() }}
)

select * from final
