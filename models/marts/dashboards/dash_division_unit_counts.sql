{#- One row per division above a township (dash_levels), measure (active offices, active stations), count and
    status of the measure's rule (ORG_OFFICE_COUNT, ORG_STATION_MAX) on the as-of date: how many of its townships
    have that count with that status. A province's or the nation's page draws these instead of one mark per
    township. -#}
with scorecard as (select * from {{ ref('township_scorecard') }}),

levels as (select * from {{ ref('dash_levels') }}),

current_scorecard as (
    select *
    from scorecard
    where as_of = {{ last_as_of_date() }}
),

measured as (
    select
        township_code,
        'offices' as measure,
        status_org_office_count as status,
        offices as units
    from current_scorecard
    union all
    select
        township_code,
        'stations' as measure,
        status_org_station_max as status,
        stations as units
    from current_scorecard
),

final as (
    select
        levels.level,
        substring(measured.township_code, 1, levels.prefix_length) as division_prefix,
        measured.measure,
        measured.status,
        measured.units,
        cast(count(*) as integer) as townships
    from measured
    cross join levels
    where levels.level <> 'township'
    group by
        levels.level, substring(measured.township_code, 1, levels.prefix_length), measured.measure,
        measured.status, measured.units
)

select * from final
