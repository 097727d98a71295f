{#- One row per division (dash_levels: the nation down to each township), rulebook version and snapshot of it: the
    findings standing that day by severity and how many were new, reopened or resolved since the previous snapshot
    (township_trend, summed over the division's townships). A page draws the rows of its own division only. -#}
with trend as (select * from {{ ref('township_trend') }}),

levels as (select * from {{ ref('dash_levels') }}),

final as (
    select
        levels.level,
        substring(trend.township_code, 1, levels.prefix_length) as division_prefix,
        trend.rulebook_version,
        cast(sum(trend.violations) as integer) as violations,
        cast(sum(trend.violations_error) as integer) as violations_error,
        cast(sum(trend.violations_warn) as integer) as violations_warn,
        cast(sum(trend.violations_info) as integer) as violations_info,
        cast(sum(trend.new_findings) as integer) as new_findings,
        cast(sum(trend.reopened_findings) as integer) as reopened_findings,
        cast(sum(trend.resolved_findings) as integer) as resolved_findings,
        trend.snapshot_date
    from trend
    cross join levels
    group by levels.level, substring(trend.township_code, 1, levels.prefix_length), trend.rulebook_version, trend.snapshot_date
)

select * from final
