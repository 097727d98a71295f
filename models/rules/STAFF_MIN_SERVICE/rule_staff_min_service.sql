with events as (select * from {{ ref('int_recruit_events') }}),

facts as (select * from {{ ref('int_township_facts') }}),

new_recruits_events as (
    select events.*
    from events
    where events.recruited_on >= {{ first_in_force_on("'STAFF_MIN_SERVICE'", 'events.recruitment_township_code') }}
),

judged as {{ in_force_version('STAFF_MIN_SERVICE', 'new_recruits_events', 'events.event_id, events.as_of_date', 'township_code', 'events.event_on') }},

limits as (
    select
        judged.*,
        {{ anniversary('judged.recruited_on', 'cast(lock_years.value as integer)') }} as lock_ends_on,
        {{ anniversary('judged.recruited_on', 'cast(min_years.value as integer)') }} as service_ends_on,
        cast(min_years.value as integer) as min_service_years,
        min_years.param_id as param_id_used,
        facts.township_name
    from judged
    {{ join_parameter('lock_years', 'judged', 'lock_years') }}
    {{ join_parameter('min_years', 'judged', 'min_service_years') }}
    inner join facts
        on facts.township_code = judged.township_code
        and facts.as_of_date = judged.as_of_date
),

breaches as (
    select
        *,
        case
            when event_kind = 'resignation' then '辞职'
            else '调往本县乡镇以外单位'
        end as event_zh
    from limits
    where event_on < service_ends_on
        and (
            event_kind = 'resignation'
            or (event_kind = 'move' and event_on >= lock_ends_on and not is_to_same_county_township)
        )
),

findings as (
    select
        {{ violation_columns(
            'STAFF_MIN_SERVICE',
            person_id='person_id',
            observed='event_on',
            limit_value='service_ends_on',
            event_on='event_on',
            param_id='param_id_used',
            finding_zh="township_name || ' 新录用公务员 ' || person_id || '（' || " ~ txt('recruited_on') ~ " || ' 录用）于 ' || " ~ txt('event_on') ~ " || ' ' || event_zh || '，未满最低服务年限' || " ~ txt('min_service_years') ~ " || '年（' || " ~ txt('service_ends_on') ~ " || ' 方满）'"
        ) }}
    from breaches
),

final as (
    select * from {{ first_per_key('findings') }}
)

select rule_id, township_code, person_id, period, observed, limit_value, param_id, finding_zh, event_on, as_of_date from final
