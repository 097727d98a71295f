with facts as (select * from {{ ref('int_township_facts') }}),

judged as {{ in_force_version('ORG_STATION_MAX', 'facts', 'events.township_code, events.as_of_date', 'township_code', 'events.as_of_date') }},

limits as (
    select
        judged.*,
        cast(max_stations.value as integer) as max_stations,
        max_stations.param_id as param_id_used
    from judged
    {{ join_parameter('max_stations', 'judged', 'max_stations') }}
),

final as (
    select
        {{ violation_columns(
            'ORG_STATION_MAX',
            observed='stations',
            limit_value='max_stations',
            event_on='as_of_date',
            param_id='param_id_used',
            observed_zh="'事业站所 ' || " ~ txt('stations') ~ " || ' 个'",
            limit_zh="'不超过 ' || " ~ txt('max_stations') ~ " || ' 个'",
            finding_zh="township_name || ' 事业站所 ' || " ~ txt('stations') ~ " || ' 个，多于 ' || " ~ txt('max_stations') ~ " || ' 个'"
        ) }}
    from limits
    where stations > max_stations
)

select * from final
