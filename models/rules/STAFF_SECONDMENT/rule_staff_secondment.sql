with secondments as (select * from {{ ref('int_secondments') }}),

facts as (select * from {{ ref('int_township_facts') }}),

judged as {{ in_force_version('STAFF_SECONDMENT', 'secondments', 'events.posting_id, events.as_of_date', 'township_code', 'events.start_date') }},

described as (
    select
        judged.*,
        enabled.param_id as param_id_used,
        facts.township_name,
        case judged.org_level when 'county' then '县级' when 'city' then '市级' else '省级' end as org_level_zh
    from judged
    {{ join_parameter('enabled', 'judged', 'enabled') }}
    inner join facts
        on facts.township_code = judged.township_code
        and facts.as_of_date = judged.as_of_date
),

findings as (
    select
        {{ violation_columns(
            'STAFF_SECONDMENT',
            person_id='person_id',
            observed='start_date',
            limit_value="''",
            event_on='start_date',
            param_id='param_id_used',
            observed_zh=txt('start_date') ~ " || ' 起借调到' || org_level_zh || '机关'",
            limit_zh="'上级机关一般不得借调乡镇干部'",
            finding_zh="township_name || ' 干部 ' || person_id || ' 自 ' || " ~ txt('start_date') ~ " || ' 起被借调到' || org_level_zh || '机关'"
        ) }}
    from described
),

final as (
    select * from {{ first_per_key('findings') }}
)

select rule_id, township_code, person_id, period, observed, limit_value, observed_zh, limit_zh, param_id, finding_zh, event_on, as_of_date from final
