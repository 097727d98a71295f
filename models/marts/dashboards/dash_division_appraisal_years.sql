{#- One row per division above a township (dash_levels) and appraisal year up to the as-of date: how many of its
    townships graded civil servants that year, how many of those exceeded the excellent share in force there (the
    APPR_EXCELLENT_RATIO findings), and the excellent and graded totals. -#}
with tallies as (select * from {{ ref('dash_appraisal_tallies') }}),

violations as (select * from {{ ref('violations') }}),

levels as (select * from {{ ref('dash_levels') }}),

over_limit as (
    select
        township_code,
        period
    from violations
    where rule_id = 'APPR_EXCELLENT_RATIO'
        and as_of = {{ last_as_of_date() }}
),

graded_years as (
    select
        tallies.township_code,
        tallies.appraisal_year,
        tallies.graded,
        tallies.excellent,
        over_limit.township_code is not null as is_over_limit
    from tallies
    left join over_limit
        on over_limit.township_code = tallies.township_code
        and over_limit.period = tallies.appraisal_year
    where tallies.graded > 0
),

final as (
    select
        levels.level,
        substring(graded_years.township_code, 1, levels.prefix_length) as division_prefix,
        graded_years.appraisal_year,
        cast(count(*) as integer) as townships_graded,
        cast(sum(case when graded_years.is_over_limit then 1 else 0 end) as integer) as townships_over_limit,
        cast(sum(graded_years.excellent) as integer) as excellent,
        cast(sum(graded_years.graded) as integer) as graded
    from graded_years
    cross join levels
    where levels.level <> 'township'
    group by levels.level, substring(graded_years.township_code, 1, levels.prefix_length), graded_years.appraisal_year
)

select * from final
