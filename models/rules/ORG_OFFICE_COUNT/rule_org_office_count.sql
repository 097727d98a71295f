with facts as (select * from {{ ref('int_township_facts') }}),

judged as {{ in_force_version('ORG_OFFICE_COUNT', 'facts', 'events.township_code, events.as_of_date', 'township_code', 'events.as_of_date') }},

limits as (
    select
        judged.*,
        cast(min_offices.value as integer) as min_offices,
        cast(max_offices.value as integer) as max_offices,
        coalesce(small_exempt.value, 'false') = 'true' as is_small_exempt,
        min_offices.param_id as min_param_id,
        max_offices.param_id as max_param_id
    from judged
    {{ join_parameter('min_offices', 'judged', 'min_offices') }}
    {{ join_parameter('max_offices', 'judged', 'max_offices') }}
    {{ join_parameter('small_exempt', 'judged', 'small_township_posts_exempt') }}
),

breaches as (
    select
        *,
        case when offices < min_offices then min_offices else max_offices end as broken_bound,
        case when offices < min_offices then min_param_id else max_param_id end as param_id_used,
        case when offices < min_offices then '少于' else '多于' end as direction_zh,
        case when offices < min_offices then '不少于' else '不超过' end as bound_zh
    from limits
    where (offices < min_offices and not (is_small and posts >= 1 and is_small_exempt))
        or offices > max_offices
),

final as (
    select
        {{ violation_columns(
            'ORG_OFFICE_COUNT',
            observed='offices',
            limit_value='broken_bound',
            event_on='as_of_date',
            param_id='param_id_used',
            observed_zh="'综合性办公室 ' || " ~ txt('offices') ~ " || ' 个'",
            limit_zh="bound_zh || ' ' || " ~ txt('broken_bound') ~ " || ' 个'",
            finding_zh="township_name || ' 综合性办公室 ' || " ~ txt('offices') ~ " || ' 个，' || direction_zh || ' ' || " ~ txt('broken_bound') ~ " || ' 个'"
        ) }}
    from breaches
)

select * from final
