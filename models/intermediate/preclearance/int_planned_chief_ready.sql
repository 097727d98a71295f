{#- For a planned chief posting short of LEAD_CHIEF_EXPERIENCE's experience, the first day it would have it if the
    person's township work and leadership go on as they do without the posting (the baseline copy on the judged
    date): the days each kind lacks, counted from the start, for each kind that goes on; the earlier of the two,
    as either suffices. Null when neither goes on (the date does not follow from the rules alone). -#}
with scenarios as (select * from {{ ref('stg_planned_scenarios') }}),

chief_postings as (select * from {{ ref('int_chief_postings') }}),

postings as (select * from {{ ref('stg_postings') }}),

planned_chiefs as (
    select
        scenarios.scenario_id,
        scenarios.posting_id,
        chief_postings.township_code,
        chief_postings.leadership_days_at_start,
        chief_postings.township_days_at_start,
        chief_postings.start_date
    from scenarios
    inner join chief_postings on chief_postings.posting_id = scenarios.posting_copy_id
    where scenarios.world = 'planned'
),

judged as {{ in_force_version('LEAD_CHIEF_EXPERIENCE', 'planned_chiefs', 'events.scenario_id', 'township_code', 'events.start_date') }},

limits as (
    select
        judged.*,
        cast(min_leadership.value as integer) * 365 as min_leadership_days,
        cast(min_township.value as integer) * 365 as min_township_days
    from judged
    {{ join_parameter('min_leadership', 'judged', 'min_leadership_years') }}
    {{ join_parameter('min_township', 'judged', 'min_township_years') }}
),

going_on as (
    select
        scenarios.scenario_id,
        max(case when postings.is_township then 1 else 0 end) = 1 as is_township_work_going_on,
        max(case when postings.is_township and postings.is_leadership then 1 else 0 end) = 1 as is_leadership_going_on
    from scenarios
    inner join postings
        on postings.person_id = scenarios.person_copy_id
        and {{ is_active_on('postings.start_date', 'postings.end_date', 'scenarios.judged_on') }}
    where scenarios.world = 'baseline'
    group by scenarios.scenario_id
),

reach as (
    select
        limits.scenario_id,
        limits.posting_id,
        case
            when going_on.is_leadership_going_on and limits.leadership_days_at_start < limits.min_leadership_days
                then {{ add_days('limits.start_date', 'limits.min_leadership_days - limits.leadership_days_at_start') }}
        end as leadership_on,
        case
            when going_on.is_township_work_going_on and limits.township_days_at_start < limits.min_township_days
                then {{ add_days('limits.start_date', 'limits.min_township_days - limits.township_days_at_start') }}
        end as township_work_on
    from limits
    inner join going_on on going_on.scenario_id = limits.scenario_id
    where limits.leadership_days_at_start < limits.min_leadership_days
        and limits.township_days_at_start < limits.min_township_days
),

final as (
    select
        scenario_id,
        posting_id,
        'LEAD_CHIEF_EXPERIENCE' as rule_id,
        case
            when leadership_on is null then township_work_on
            when township_work_on is null or leadership_on <= township_work_on then leadership_on
            else township_work_on
        end as ready_on
    from reach
    where leadership_on is not null or township_work_on is not null
)

select * from final
