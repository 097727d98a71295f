{#- Every division (dash_divisions) and rule of the rulebook on the as-of date (the last of a series): how many of
    its townships the rule covers, how many break it and how many findings it has. A township keeps its own status
    (township_rule_status); a larger division is `failed` where a township of it breaks the rule, `passed` where
    the rule covers some of its townships and none breaks it, and `not_covered` where it covers none (never
    passing). -#}
with statuses as (select * from {{ ref('township_rule_status') }}),

levels as (select * from {{ ref('dash_levels') }}),

placed as (
    select
        levels.level,
        substring(statuses.township_code, 1, levels.prefix_length) as division_prefix,
        statuses.rule_id,
        statuses.status,
        statuses.violations,
        statuses.first_in_force_on
    from statuses
    cross join levels
    where statuses.as_of = {{ last_as_of_date() }}
),

counted as (
    select
        level,
        division_prefix,
        rule_id,
        min(status) as township_status,
        count(*) as townships,
        sum(case when status = 'not_covered' then 0 else 1 end) as townships_covered,
        sum(case when status = 'failed' then 1 else 0 end) as townships_failed,
        sum(violations) as findings,
        min(first_in_force_on) as first_in_force_on
    from placed
    group by level, division_prefix, rule_id
),

final as (
    select
        level,
        division_prefix,
        rule_id,
        case
            when level = 'township' then township_status
            when townships_failed > 0 then 'failed'
            when townships_covered > 0 then 'passed'
            else 'not_covered'
        end as status,
        cast(townships as integer) as townships,
        cast(townships_covered as integer) as townships_covered,
        cast(townships_failed as integer) as townships_failed,
        cast(townships - townships_covered as integer) as townships_not_covered,
        cast(findings as integer) as findings,
        first_in_force_on
    from counted
)

select * from final
