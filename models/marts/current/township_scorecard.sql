{#- One row per township and as-of date: counts by unit kind, leadership team, social workers, violations by
    severity, and one status column per rule. -#}
with facts as (select * from {{ ref('int_township_facts') }}),

team_experience as (select * from {{ ref('int_leadership_team_experience') }}),

statuses as (select * from {{ ref('township_rule_status') }}),

severity_counts as (
    select
        township_code,
        as_of,
        sum(case when severity = 'error' then violations else 0 end) as violations_error,
        sum(case when severity = 'warn' then violations else 0 end) as violations_warn,
        sum(case when severity = 'info' then violations else 0 end) as violations_info,
        {% for rule_id in rule_ids() %}
        max(case when rule_id = '{{ rule_id }}' then status end) as status_{{ rule_id | lower }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from statuses
    group by township_code, as_of
),

final as (
    select
        facts.township_code,
        facts.county_code,
        facts.township_name,
        facts.township_type,
        facts.offices,
        facts.posts,
        facts.institutes,
        facts.stations,
        facts.centers,
        facts.dispatched,
        facts.leadership_team_size,
        team_experience.experienced as leadership_team_experienced,
        facts.approved_leader_posts,
        facts.social_workers,
        cast(severity_counts.violations_error as integer) as violations_error,
        cast(severity_counts.violations_warn as integer) as violations_warn,
        cast(severity_counts.violations_info as integer) as violations_info,
        {% for rule_id in rule_ids() %}
        severity_counts.status_{{ rule_id | lower }},
        {% endfor %}
        facts.is_small,
        facts.is_developed_town,
        facts.as_of_date as as_of
    from facts
    left join team_experience
        on team_experience.township_code = facts.township_code
        and team_experience.as_of_date = facts.as_of_date
    left join severity_counts
        on severity_counts.township_code = facts.township_code
        and severity_counts.as_of = facts.as_of_date
)

select * from final
