{#- The deadlines falling due within the dashboards' window after the as-of date (the last of a series; var
    `dashboard_deadline_days`), per township, with the days left. -#}
with deadlines as (select * from {{ ref('deadlines') }}),

people as (select * from {{ ref('stg_people') }}),

final as (
    select
        deadlines.rule_id,
        deadlines.township_code,
        deadlines.county_code,
        deadlines.township_name,
        deadlines.person_id,
        people.name as person_name,
        deadlines.what_zh,
        deadlines.citation,
        cast({{ days_between('deadlines.as_of', 'deadlines.due_on') }} as integer) as days_left,
        deadlines.due_on,
        deadlines.as_of
    from deadlines
    left join people on people.person_id = deadlines.person_id
    where deadlines.as_of = {{ last_as_of_date() }}
        and {{ days_between('deadlines.as_of', 'deadlines.due_on') }} <= {{ var('dashboard_deadline_days') }}
)

select * from final
