{#- One row per division (dash_levels), rulebook version, snapshot and rule with a finding standing or resolved that
    day: how many stood. Snapshots where a rule has nothing in the division have no row (the chart draws them as
    zero). -#}
with history as (select * from {{ ref('violation_history') }}),

levels as (select * from {{ ref('dash_levels') }}),

final as (
    select
        levels.level,
        substring(history.township_code, 1, levels.prefix_length) as division_prefix,
        history.rulebook_version,
        history.rule_id,
        cast(sum(case when history.status <> 'resolved' then 1 else 0 end) as integer) as violations,
        history.snapshot_date
    from history
    cross join levels
    group by
        levels.level, substring(history.township_code, 1, levels.prefix_length), history.rulebook_version,
        history.rule_id, history.snapshot_date
)

select * from final
