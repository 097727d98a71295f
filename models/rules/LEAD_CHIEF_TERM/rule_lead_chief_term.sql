with chief_postings as (select * from {{ ref('int_chief_postings') }}),

facts as (select * from {{ ref('int_township_facts') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

ended as (
    select
        chief_postings.*,
        as_of_dates.as_of_date
    from chief_postings
    inner join as_of_dates on chief_postings.end_date <= as_of_dates.as_of_date
    where chief_postings.end_date is not null
),

judged as {{ in_force_version('LEAD_CHIEF_TERM', 'ended', 'events.posting_id, events.as_of_date', 'township_code', 'events.end_date') }},

limits as (
    select
        judged.*,
        {{ anniversary('judged.start_date', 'cast(term_years.value as integer)') }} as term_ends_on,
        cast(term_years.value as integer) as term_years,
        term_years.param_id as param_id_used,
        facts.township_name
    from judged
    {{ join_parameter('term_years', 'judged', 'term_years') }}
    inner join facts
        on facts.township_code = judged.township_code
        and facts.as_of_date = judged.as_of_date
),

findings as (
    select
        {{ violation_columns(
            'LEAD_CHIEF_TERM',
            person_id='person_id',
            observed='end_date',
            limit_value='term_ends_on',
            event_on='end_date',
            param_id='param_id_used',
            finding_zh="township_name || ' ' || person_id || ' 任' || coalesce(position, '党政正职') || '（' || " ~ txt('start_date') ~ " || ' 起）于 ' || " ~ txt('end_date') ~ " || ' 离任，未任满一届（' || " ~ txt('term_ends_on') ~ " || ' 方满' || " ~ txt('term_years') ~ " || '年），离任原因：' || " ~ end_reason_zh('end_reason') ~ ""
        ) }}
    from limits
    where end_date < term_ends_on
        and coalesce(end_reason, 'other') not in ('retirement', 'dismissal', 'death')
),

final as (
    select * from {{ first_per_key('findings') }}
)

select rule_id, township_code, person_id, period, observed, limit_value, param_id, finding_zh, event_on, as_of_date from final
