with chief_postings as (select * from {{ ref('int_chief_postings') }}),

facts as (select * from {{ ref('int_township_facts') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

started as (
    select
        chief_postings.*,
        as_of_dates.as_of_date
    from chief_postings
    inner join as_of_dates on chief_postings.start_date <= as_of_dates.as_of_date
),

judged as {{ in_force_version('LEAD_CHIEF_EXPERIENCE', 'started', 'events.posting_id, events.as_of_date', 'township_code', 'events.start_date') }},

limits as (
    select
        judged.*,
        cast(min_leadership.value as integer) as min_leadership_years,
        cast(min_township.value as integer) as min_township_years,
        cast(min_leadership.value as integer) * 365 as min_leadership_days,
        cast(min_township.value as integer) * 365 as min_township_days,
        min_leadership.param_id as param_id_used,
        facts.township_name
    from judged
    {{ join_parameter('min_leadership', 'judged', 'min_leadership_years') }}
    {{ join_parameter('min_township', 'judged', 'min_township_years') }}
    inner join facts
        on facts.township_code = judged.township_code
        and facts.as_of_date = judged.as_of_date
),

findings as (
    select
        {{ violation_columns(
            'LEAD_CHIEF_EXPERIENCE',
            person_id='person_id',
            observed="'leadership_days=' || " ~ txt('leadership_days_at_start') ~ " || ';township_days=' || " ~ txt('township_days_at_start'),
            limit_value="'leadership_days>=' || " ~ txt('min_leadership_days') ~ " || ' or township_days>=' || " ~ txt('min_township_days'),
            event_on='start_date',
            param_id='param_id_used',
            finding_zh="township_name || ' ' || person_id || ' 于 ' || " ~ txt('start_date') ~ " || ' 任' || coalesce(position, '党政正职') || '，此前乡镇领导工作经历 ' || " ~ txt('leadership_days_at_start') ~ " || ' 天、乡镇工作经历 ' || " ~ txt('township_days_at_start') ~ " || ' 天，不足' || " ~ txt('min_leadership_years') ~ " || '年领导经历或' || " ~ txt('min_township_years') ~ " || '年乡镇工作经历'"
        ) }}
    from limits
    where leadership_days_at_start < min_leadership_days
        and township_days_at_start < min_township_days
),

final as (
    select * from {{ first_per_key('findings') }}
)

select rule_id, township_code, person_id, period, observed, limit_value, param_id, finding_zh, event_on, as_of_date from final
