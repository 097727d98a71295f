with tallies as (select * from {{ ref('int_appraisal_tallies') }}),

facts as (select * from {{ ref('int_township_facts') }}),

judged as {{ in_force_version('APPR_EXCELLENT_RATIO', 'tallies', 'events.township_code, events.appraisal_year, events.as_of_date', 'township_code', 'events.appraisal_on') }},

limits as (
    select
        judged.*,
        cast(max_pct.value as integer) as max_excellent_pct,
        max_pct.param_id as param_id_used,
        facts.township_name
    from judged
    {{ join_parameter('max_pct', 'judged', 'max_excellent_pct') }}
    inner join facts
        on facts.township_code = judged.township_code
        and facts.as_of_date = judged.as_of_date
),

final as (
    select
        {{ violation_columns(
            'APPR_EXCELLENT_RATIO',
            period='appraisal_year',
            observed=txt('excellent') ~ " || '/' || " ~ txt('graded'),
            limit_value=txt('max_excellent_pct') ~ " || '%'",
            event_on='appraisal_on',
            param_id='param_id_used',
            observed_zh=txt('graded') ~ " || ' 人中优秀 ' || " ~ txt('excellent') ~ " || ' 人'",
            limit_zh="'优秀不超过 ' || " ~ txt('max_excellent_pct') ~ " || '%'",
            finding_zh="township_name || ' ' || " ~ txt('appraisal_year') ~ " || ' 年度公务员定等次 ' || " ~ txt('graded') ~ " || ' 人，优秀 ' || " ~ txt('excellent') ~ " || ' 人，超过 ' || " ~ txt('max_excellent_pct') ~ " || '%'"
        ) }}
    from limits
    where 100 * excellent > max_excellent_pct * graded
)

select * from final
