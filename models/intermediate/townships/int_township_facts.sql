{#- What each township looks like on each as-of date: active units by kind, leadership team, social workers. -#}
with townships as (select * from {{ ref('stg_townships') }}),

units as (select * from {{ ref('int_units_active') }}),

teams as (select * from {{ ref('int_leadership_teams') }}),

social_workers as (select * from {{ ref('int_social_workers_active') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

unit_counts as (
    select
        township_code,
        as_of_date,
        sum(case when unit_kind = 'office' then 1 else 0 end) as offices,
        sum(case when unit_kind = 'post' then 1 else 0 end) as posts,
        sum(case when unit_kind = 'institute' then 1 else 0 end) as institutes,
        sum(case when unit_kind = 'station' then 1 else 0 end) as stations,
        sum(case when unit_kind = 'center' then 1 else 0 end) as centers,
        sum(case when unit_kind = 'dispatched' then 1 else 0 end) as dispatched
    from units
    group by township_code, as_of_date
),

team_sizes as (
    select
        township_code,
        as_of_date,
        count(*) as leadership_team_size
    from teams
    group by township_code, as_of_date
),

social_worker_counts as (
    select
        township_code,
        as_of_date,
        count(*) as social_workers
    from social_workers
    group by township_code, as_of_date
),

final as (
    select
        townships.township_code,
        townships.county_code,
        townships.township_name,
        townships.township_type,
        townships.approved_leader_posts,
        cast(coalesce(unit_counts.offices, 0) as integer) as offices,
        cast(coalesce(unit_counts.posts, 0) as integer) as posts,
        cast(coalesce(unit_counts.institutes, 0) as integer) as institutes,
        cast(coalesce(unit_counts.stations, 0) as integer) as stations,
        cast(coalesce(unit_counts.centers, 0) as integer) as centers,
        cast(coalesce(unit_counts.dispatched, 0) as integer) as dispatched,
        cast(coalesce(team_sizes.leadership_team_size, 0) as integer) as leadership_team_size,
        cast(coalesce(social_worker_counts.social_workers, 0) as integer) as social_workers,
        townships.is_small,
        townships.is_developed_town,
        as_of_dates.as_of_date
    from townships
    cross join as_of_dates
    left join unit_counts
        on unit_counts.township_code = townships.township_code
        and unit_counts.as_of_date = as_of_dates.as_of_date
    left join team_sizes
        on team_sizes.township_code = townships.township_code
        and team_sizes.as_of_date = as_of_dates.as_of_date
    left join social_worker_counts
        on social_worker_counts.township_code = townships.township_code
        and social_worker_counts.as_of_date = as_of_dates.as_of_date
)

select * from final
