with facts as (select * from {{ ref('int_township_facts') }}),

judged as {{ in_force_version('STAFF_SOCIAL_WORKERS', 'facts', 'events.township_code, events.as_of_date', 'township_code', 'events.as_of_date') }},

limits as (
    select
        judged.*,
        cast(min_social_workers.value as integer) as min_social_workers,
        min_social_workers.param_id as param_id_used
    from judged
    {{ join_parameter('min_social_workers', 'judged', 'min_social_workers') }}
),

final as (
    select
        {{ violation_columns(
            'STAFF_SOCIAL_WORKERS',
            observed='social_workers',
            limit_value='min_social_workers',
            event_on='as_of_date',
            param_id='param_id_used',
            observed_zh="'在岗社会工作人员 ' || " ~ txt('social_workers') ~ " || ' 名'",
            limit_zh="'不少于 ' || " ~ txt('min_social_workers') ~ " || ' 名'",
            finding_zh="township_name || ' 在岗社会工作人员 ' || " ~ txt('social_workers') ~ " || ' 名，少于 ' || " ~ txt('min_social_workers') ~ " || ' 名'"
        ) }}
    from limits
    where social_workers < min_social_workers
)

select * from final
