{#- The later dates on which a planned posting that breaks a rule is judged again (`warehouse check`, its
    allowed_from): the days something changes by the rules alone — the person's deadlines (the ends of a recruit's
    transfer lock and minimum service, a chief's term) and the leadership-share dates of the townships it touches,
    in either copy, and the day a planned chief would have the experience. -#}
with scenarios as (select * from {{ ref('stg_planned_scenarios') }}),

townships as (select * from {{ ref('stg_planned_townships') }}),

deadlines as (select * from {{ ref('deadlines') }}),

chief_ready as (select * from {{ ref('int_planned_chief_ready') }}),

person_deadlines as (
    select
        scenarios.scenario_id,
        scenarios.posting_id,
        deadlines.rule_id,
        deadlines.due_on as candidate_on,
        scenarios.judged_on
    from deadlines
    inner join scenarios
        on scenarios.person_copy_id = deadlines.person_id
        and scenarios.judged_on = deadlines.as_of
),

township_deadlines as (
    select
        scenarios.scenario_id,
        scenarios.posting_id,
        deadlines.rule_id,
        deadlines.due_on as candidate_on,
        scenarios.judged_on
    from deadlines
    inner join townships on townships.township_copy_code = deadlines.township_code
    inner join scenarios
        on scenarios.scenario_id = townships.scenario_id
        and scenarios.world = townships.world
        and scenarios.judged_on = deadlines.as_of
    where deadlines.person_id is null
),

chief_dates as (
    select
        chief_ready.scenario_id,
        chief_ready.posting_id,
        chief_ready.rule_id,
        chief_ready.ready_on as candidate_on,
        scenarios.judged_on
    from chief_ready
    inner join scenarios
        on scenarios.scenario_id = chief_ready.scenario_id
        and scenarios.world = 'planned'
),

candidates as (
    select * from person_deadlines
    union all
    select * from township_deadlines
    union all
    select * from chief_dates
),

final as (
    select distinct
        scenario_id,
        posting_id,
        rule_id,
        candidate_on
    from candidates
    where candidate_on > judged_on
)

select * from final
