{#- The calendar of deadlines (到期提醒, contract v1.1) on each as-of date: the ends of new recruits' transfer lock
    and minimum service, chiefs' terms reaching the rule's years, and the day a leadership team below the share
    reaches it if it stays as it is; each with the citation of the rulebook row whose number it uses. -#}
with recruits as (select * from {{ ref('int_recruit_service_deadlines') }}),

chiefs as (select * from {{ ref('int_chief_term_deadlines') }}),

teams as (select * from {{ ref('int_team_share_deadlines') }}),

parameters as (select * from {{ ref('int_rule_parameters') }}),

townships as (select * from {{ ref('stg_townships') }}),

deadlines as (
    select rule_id, township_code, person_id, param_id, what_zh, due_on, as_of_date from recruits
    union all
    select rule_id, township_code, person_id, param_id, what_zh, due_on, as_of_date from chiefs
    union all
    select
        rule_id, township_code, cast(null as {{ dbt.type_string() }}) as person_id, param_id, what_zh, due_on,
        as_of_date
    from teams
),

final as (
    select
        deadlines.rule_id,
        deadlines.township_code,
        deadlines.person_id,
        townships.county_code,
        townships.township_name,
        deadlines.param_id,
        deadlines.what_zh,
        parameters.citation,
        deadlines.due_on,
        deadlines.as_of_date as as_of
    from deadlines
    inner join parameters on parameters.param_id = deadlines.param_id
    inner join townships on townships.township_code = deadlines.township_code
)

select * from final
