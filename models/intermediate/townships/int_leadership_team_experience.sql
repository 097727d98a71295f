{#- The leadership team of each township covered by LEAD_TEAM_EXPERIENCE on each as-of date, with how many
    members have the rule's years of township work. -#}
with facts as (select * from {{ ref('int_township_facts') }}),

teams as (select * from {{ ref('int_leadership_teams') }}),

judged as {{ in_force_version('LEAD_TEAM_EXPERIENCE', 'facts', 'events.township_code, events.as_of_date', 'township_code', 'events.as_of_date') }},

limits as (
    select
        judged.township_code,
        judged.township_name,
        judged.leadership_team_size,
        judged.as_of_date,
        cast(min_years.value as integer) as min_township_years,
        cast(min_years.value as integer) * 365 as min_township_days,
        cast(numerator.value as integer) as share_numerator,
        cast(denominator.value as integer) as share_denominator,
        min_years.param_id as param_id_used
    from judged
    {{ join_parameter('min_years', 'judged', 'min_township_years') }}
    {{ join_parameter('numerator', 'judged', 'min_share_numerator') }}
    {{ join_parameter('denominator', 'judged', 'min_share_denominator') }}
),

counted as (
    select
        limits.township_code,
        limits.township_name,
        limits.leadership_team_size as members,
        limits.min_township_years,
        limits.share_numerator,
        limits.share_denominator,
        limits.param_id_used,
        limits.as_of_date,
        cast(coalesce(sum(case when teams.township_days >= limits.min_township_days then 1 else 0 end), 0)
            as integer) as experienced
    from limits
    left join teams
        on teams.township_code = limits.township_code
        and teams.as_of_date = limits.as_of_date
    group by
        limits.township_code, limits.township_name, limits.leadership_team_size, limits.min_township_years,
        limits.share_numerator, limits.share_denominator, limits.param_id_used, limits.as_of_date
),

final as (
    select * from counted
)

select * from final
