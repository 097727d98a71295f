{#- The findings each copy of a pre-clearance build stands on (the violations mart, on the date the scenario is
    judged) in the townships the scenario touches, named as loaded: the township's code, the person's id without the
    copy's suffix (in the message too). -#}
with scenarios as (select * from {{ ref('stg_planned_scenarios') }}),

townships as (select * from {{ ref('stg_planned_townships') }}),

violations as (select * from {{ ref('violations') }}),

copied as (
    select
        scenarios.scenario_id,
        scenarios.world,
        scenarios.posting_id,
        violations.rule_id,
        violations.severity,
        townships.township_code,
        violations.person_id as person_copy_id,
        case
            when violations.person_id is null then cast(null as {{ dbt.type_string() }})
            else substring(violations.person_id, 1, length(violations.person_id) - length(scenarios.copy_suffix))
        end as person_id,
        violations.period,
        violations.message_zh,
        violations.citation,
        scenarios.judged_on
    from violations
    inner join townships on townships.township_copy_code = violations.township_code
    inner join scenarios
        on scenarios.scenario_id = townships.scenario_id
        and scenarios.world = townships.world
        and scenarios.judged_on = violations.as_of
),

final as (
    select
        scenario_id,
        world,
        posting_id,
        rule_id,
        severity,
        township_code,
        person_id,
        period,
        case
            when person_copy_id is null then message_zh
            else replace(message_zh, person_copy_id, person_id)
        end as message_zh,
        citation,
        judged_on
    from copied
)

select * from final
