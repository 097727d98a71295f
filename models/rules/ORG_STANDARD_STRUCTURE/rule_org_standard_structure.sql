with facts as (select * from {{ ref('int_township_facts') }}),

judged as {{ in_force_version('ORG_STANDARD_STRUCTURE', 'facts', 'events.township_code, events.as_of_date', 'township_code', 'events.as_of_date') }},

standards as (
    select
        judged.*,
        cast(standard_offices.value as integer) as standard_offices,
        cast(standard_institutes.value as integer) as standard_institutes,
        cast(standard_stations.value as integer) as standard_stations,
        cast(standard_centers.value as integer) as standard_centers,
        case
            when judged.offices <> cast(standard_offices.value as integer) then standard_offices.param_id
            when judged.institutes <> cast(standard_institutes.value as integer) then standard_institutes.param_id
            when judged.stations <> cast(standard_stations.value as integer) then standard_stations.param_id
            else standard_centers.param_id
        end as param_id_used
    from judged
    {{ join_parameter('standard_offices', 'judged', 'standard_offices') }}
    {{ join_parameter('standard_institutes', 'judged', 'standard_institutes') }}
    {{ join_parameter('standard_stations', 'judged', 'standard_stations') }}
    {{ join_parameter('standard_centers', 'judged', 'standard_centers') }}
),

described as (
    select
        *,
        'office=' || {{ txt('offices') }} || ';institute=' || {{ txt('institutes') }}
            || ';station=' || {{ txt('stations') }} || ';center=' || {{ txt('centers') }} as observed_structure,
        'office=' || {{ txt('standard_offices') }} || ';institute=' || {{ txt('standard_institutes') }}
            || ';station=' || {{ txt('standard_stations') }} || ';center=' || {{ txt('standard_centers') }}
            as standard_structure
    from standards
    where offices <> standard_offices
        or institutes <> standard_institutes
        or stations <> standard_stations
        or centers <> standard_centers
),

final as (
    select
        {{ violation_columns(
            'ORG_STANDARD_STRUCTURE',
            observed='observed_structure',
            limit_value='standard_structure',
            event_on='as_of_date',
            param_id='param_id_used',
            observed_zh="'现设 ' || " ~ txt('offices') ~ " || ' 办 ' || " ~ txt('institutes') ~ " || ' 所 ' || " ~ txt('stations') ~ " || ' 站 ' || " ~ txt('centers') ~ " || ' 中心'",
            limit_zh="'标准 ' || " ~ txt('standard_offices') ~ " || ' 办 ' || " ~ txt('standard_institutes') ~ " || ' 所 ' || " ~ txt('standard_stations') ~ " || ' 站 ' || " ~ txt('standard_centers') ~ " || ' 中心'",
            finding_zh="township_name || ' 现设 ' || " ~ txt('offices') ~ " || ' 办 ' || " ~ txt('institutes') ~ " || ' 所 ' || " ~ txt('stations') ~ " || ' 站 ' || " ~ txt('centers') ~ " || ' 中心，与标准设置 ' || " ~ txt('standard_offices') ~ " || ' 办 ' || " ~ txt('standard_institutes') ~ " || ' 所 ' || " ~ txt('standard_stations') ~ " || ' 站 ' || " ~ txt('standard_centers') ~ " || ' 中心不符'"
        ) }}
    from described
)

select * from final
