{#- The deadlines falling due within the dashboards' window after the as-of date (the last of a series; var
    `dashboard_deadline_days`), per township, with the days left. -#}
with deadlines as (select * from {{ ref('deadlines') }}),

final as (
    select
        rule_id,
        township_code,
        county_code,
        township_name,
        person_id,
        what_zh,
        citation,
        cast({{ days_between('as_of', 'due_on') }} as integer) as days_left,
        due_on,
        as_of
    from deadlines
    where as_of = {{ last_as_of_date() }}
        and {{ days_between('as_of', 'due_on') }} <= {{ var('dashboard_deadline_days') }}
)

select * from final
