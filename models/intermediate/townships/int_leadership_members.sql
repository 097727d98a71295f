{#- Each member of each township's leadership team on each as-of date, with the years of township work
    LEAD_TEAM_EXPERIENCE asks for in that township and whether the member has them: the one place that says who
    counts as experienced (the rule counts these flags; the dashboards show them). Null where no version of the
    rule is in force for the township. -#}
with teams as (select * from {{ ref('int_leadership_teams') }}),

judged as {{ in_force_version('LEAD_TEAM_EXPERIENCE', 'teams', 'events.township_code, events.person_id, events.as_of_date', 'township_code', 'events.as_of_date') }},

limits as (
    select
        judged.township_code,
        judged.person_id,
        judged.as_of_date,
        cast(min_years.value as integer) as min_township_years
    from judged
    {{ join_parameter('min_years', 'judged', 'min_township_years') }}
),

final as (
    select
        teams.township_code,
        teams.person_id,
        teams.township_days,
        limits.min_township_years,
        limits.min_township_years * 365 as min_township_days,
        teams.township_days >= limits.min_township_years * 365 as is_experienced,
        teams.as_of_date
    from teams
    left join limits
        on limits.township_code = teams.township_code
        and limits.person_id = teams.person_id
        and limits.as_of_date = teams.as_of_date
)

select * from final
