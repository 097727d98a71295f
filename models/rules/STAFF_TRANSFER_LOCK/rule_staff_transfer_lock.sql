with events as (select * from {{ ref('int_recruit_events') }} where event_kind = 'move'),

facts as (select * from {{ ref('int_township_facts') }}),

new_recruits_moves as (
    select events.*
    from events
    where events.recruited_on >= {{ first_in_force_on("'STAFF_TRANSFER_LOCK'", 'events.recruitment_township_code') }}
),

judged as {{ in_force_version('STAFF_TRANSFER_LOCK', 'new_recruits_moves', 'events.event_id, events.as_of_date', 'township_code', 'events.event_on') }},

limits as (
    select
        judged.*,
        cast(lock_years.value as integer) as lock_years,
        {{ anniversary('judged.recruited_on', 'cast(lock_years.value as integer)') }} as lock_ends_on,
        lock_years.param_id as param_id_used,
        facts.township_name
    from judged
    {{ join_parameter('lock_years', 'judged', 'lock_years') }}
    inner join facts
        on facts.township_code = judged.township_code
        and facts.as_of_date = judged.as_of_date
),

findings as (
    select
        {{ violation_columns(
            'STAFF_TRANSFER_LOCK',
            person_id='person_id',
            observed='event_on',
            limit_value='lock_ends_on',
            event_on='event_on',
            param_id='param_id_used',
            finding_zh="township_name || ' 新录用公务员 ' || person_id || '（' || " ~ txt('recruited_on') ~ " || ' 录用）于 ' || " ~ txt('event_on') ~ " || ' 调离，未满' || " ~ txt('lock_years') ~ " || '年（' || " ~ txt('lock_ends_on') ~ " || ' 方满）'"
        ) }}
    from limits
    where event_on < lock_ends_on
),

final as (
    select * from {{ first_per_key('findings') }}
)

select rule_id, township_code, person_id, period, observed, limit_value, param_id, finding_zh, event_on, as_of_date from final
