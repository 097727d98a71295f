with counted as (select * from {{ ref('int_leadership_team_experience') }}),

final as (
    select
        {{ violation_columns(
            'LEAD_TEAM_EXPERIENCE',
            observed=txt('experienced') ~ " || '/' || " ~ txt('members'),
            limit_value=txt('share_numerator') ~ " || '/' || " ~ txt('share_denominator'),
            event_on='as_of_date',
            param_id='param_id_used',
            finding_zh="township_name || ' 领导班子 ' || " ~ txt('members') ~ " || ' 人中具有' || " ~ txt('min_township_years') ~ " || '年以上乡镇工作经历的 ' || " ~ txt('experienced') ~ " || ' 人，不足 ' || " ~ txt('share_numerator') ~ " || '/' || " ~ txt('share_denominator')
        ) }}
    from counted
    where share_denominator * experienced < share_numerator * members
)

select * from final
