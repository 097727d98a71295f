{#- Each township's leadership team on the as-of date (the last of a series), member by member: township work
    and leadership, their leadership posts there, and whether they have LEAD_TEAM_EXPERIENCE's years
    (int_leadership_members), with the share the rule asks for (int_leadership_team_experience). -#}
with members as (select * from {{ ref('int_leadership_members') }}),

experience as (select * from {{ ref('int_experience_on_as_of') }}),

teams as (select * from {{ ref('int_leadership_team_experience') }}),

people as (select * from {{ ref('stg_people') }}),

postings as (select * from {{ ref('stg_postings') }}),

leadership_posts as (
    select distinct
        postings.township_code,
        postings.person_id,
        postings.position,
        postings.is_chief
    from postings
    where postings.is_township
        and postings.is_leadership
        and {{ is_active_on('postings.start_date', 'postings.end_date', last_as_of_date()) }}
),

posts as (
    select
        township_code,
        person_id,
        {{ ordered_string_agg('position', "'、'", 'position') }} as positions,
        max(case when is_chief then 1 else 0 end) = 1 as is_chief
    from leadership_posts
    group by township_code, person_id
),

final as (
    select
        members.township_code,
        members.person_id,
        people.name,
        posts.positions,
        cast(members.township_days as integer) as township_days,
        cast(coalesce(experience.leadership_days, 0) as integer) as leadership_days,
        members.min_township_years,
        members.min_township_days,
        teams.share_numerator,
        teams.share_denominator,
        members.min_township_years is not null as is_rule_covered,
        coalesce(posts.is_chief, false) as is_chief,
        members.is_experienced
    from members
    left join experience
        on experience.person_id = members.person_id
        and experience.as_of_date = members.as_of_date
    left join people on people.person_id = members.person_id
    left join posts on posts.township_code = members.township_code and posts.person_id = members.person_id
    left join teams on teams.township_code = members.township_code and teams.as_of_date = members.as_of_date
    where members.as_of_date = {{ last_as_of_date() }}
)

select * from final
