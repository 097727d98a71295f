with facts as (select * from {{ ref('int_township_facts') }}),

judged as {{ in_force_version('ORG_DEVELOPED_TOWN_BODIES', 'facts', 'events.township_code, events.as_of_date', 'township_code', 'events.as_of_date') }},

limits as (
    select
        judged.*,
        judged.offices + judged.institutes + judged.stations + judged.centers as bodies,
        cast(max_bodies.value as integer) as max_bodies,
        max_bodies.param_id as param_id_used
    from judged
    {{ join_parameter('max_bodies', 'judged', 'max_bodies') }}
),

final as (
    select
        {{ violation_columns(
            'ORG_DEVELOPED_TOWN_BODIES',
            observed='bodies',
            limit_value='max_bodies',
            event_on='as_of_date',
            param_id='param_id_used',
            observed_zh="'办、所、站、中心合计 ' || " ~ txt('bodies') ~ " || ' 个'",
            limit_zh="'不超过 ' || " ~ txt('max_bodies') ~ " || ' 个'",
            finding_zh="township_name || '（经济发达镇）综合性办公室、行政所、事业站所、便民服务中心合计 ' || " ~ txt('bodies') ~ " || ' 个，多于 ' || " ~ txt('max_bodies') ~ " || ' 个'"
        ) }}
    from limits
    where is_developed_town and bodies > max_bodies
)

select * from final
