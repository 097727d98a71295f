{#- What each planned posting, judged on a date, would break (`warehouse check`): the findings of its planned copy
    that its baseline copy, the same data without the posting, does not have — so a township already failing a
    rule is not blamed on the posting. -#}
with findings as (select * from {{ ref('int_planned_findings') }}),

planned as (select * from findings where world = 'planned'),

baseline as (select * from findings where world = 'baseline'),

final as (
    select
        planned.scenario_id,
        planned.posting_id,
        planned.rule_id,
        planned.severity,
        planned.township_code,
        planned.person_id,
        planned.period,
        planned.message_zh,
        planned.citation,
        planned.judged_on
    from planned
    where not exists (
        select 1
        from baseline
        where baseline.scenario_id = planned.scenario_id
            and baseline.rule_id = planned.rule_id
            and baseline.township_code = planned.township_code
            and baseline.person_id is not distinct from planned.person_id
            and baseline.period is not distinct from planned.period
    )
)

select * from final
