with facts as (select * from {{ ref('int_township_facts') }}),

judged as {{ in_force_version('STAFF_OVER_LEADER_QUOTA', 'facts', 'events.township_code, events.as_of_date', 'township_code', 'events.as_of_date') }},

quota as (
    select
        judged.*,
        enabled.param_id as param_id_used
    from judged
    {{ join_parameter('enabled', 'judged', 'enabled') }}
),

final as (
    select
        {{ violation_columns(
            'STAFF_OVER_LEADER_QUOTA',
            observed='leadership_team_size',
            limit_value='approved_leader_posts',
            event_on='as_of_date',
            param_id='param_id_used',
            observed_zh="'领导班子在职 ' || " ~ txt('leadership_team_size') ~ " || ' 人'",
            limit_zh="'核定领导职数 ' || " ~ txt('approved_leader_posts') ~ " || ' 名'",
            finding_zh="township_name || ' 领导班子在职 ' || " ~ txt('leadership_team_size') ~ " || ' 人，超过核定领导职数 ' || " ~ txt('approved_leader_posts') ~ " || ' 名'"
        ) }}
    from quota
    where approved_leader_posts is not null
        and leadership_team_size > approved_leader_posts
)

select * from final
