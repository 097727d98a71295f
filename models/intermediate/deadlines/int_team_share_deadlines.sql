{#- For each township whose leadership team is below LEAD_TEAM_EXPERIENCE's share on an as-of date, the day the
    share is reached if the team stays as it is: every member keeps accumulating township work a day a day (each
    has an active township posting), so a member short of the years (int_leadership_members) has them after the
    missing days, and the share is reached on the day the k-th member has them, k the least count with
    denominator × k >= numerator × members. -#}
with teams as (select * from {{ ref('int_leadership_team_experience') }}),

members as (select * from {{ ref('int_leadership_members') }}),

below_share as (
    select *
    from teams
    where share_denominator * experienced < share_numerator * members
),

member_dates as (
    select
        below_share.township_code,
        below_share.as_of_date,
        members.person_id,
        case
            when members.is_experienced then members.as_of_date
            else {{ add_days('members.as_of_date', 'members.min_township_days - members.township_days') }}
        end as experienced_on
    from below_share
    inner join members
        on members.township_code = below_share.township_code
        and members.as_of_date = below_share.as_of_date
),

ranked as (
    select
        member_dates.*,
        row_number() over (
            partition by township_code, as_of_date
            order by experienced_on, person_id
        ) as experienced_rank
    from member_dates
),

reached as (
    select
        below_share.township_code,
        below_share.township_name,
        below_share.members,
        below_share.min_township_years,
        below_share.share_numerator,
        below_share.share_denominator,
        below_share.param_id_used as param_id,
        below_share.as_of_date,
        min(case when below_share.share_denominator * ranked.experienced_rank >= below_share.share_numerator * below_share.members
            then ranked.experienced_rank end) as experienced_needed,
        min(case when below_share.share_denominator * ranked.experienced_rank >= below_share.share_numerator * below_share.members
            then ranked.experienced_on end) as due_on
    from below_share
    inner join ranked
        on ranked.township_code = below_share.township_code
        and ranked.as_of_date = below_share.as_of_date
    group by
        below_share.township_code, below_share.township_name, below_share.members, below_share.min_township_years,
        below_share.share_numerator, below_share.share_denominator, below_share.param_id_used, below_share.as_of_date
),

final as (
    select
        'LEAD_TEAM_EXPERIENCE' as rule_id,
        township_code,
        param_id,
        township_name || ' 领导班子 ' || {{ txt('members') }} || ' 人中乡镇工作经历满 ' || {{ txt('min_township_years') }}
            || ' 年的将达到 ' || {{ txt('experienced_needed') }} || ' 人（' || {{ txt('share_numerator') }} || '/'
            || {{ txt('share_denominator') }} || '），前提是班子保持不变' as what_zh,
        cast(experienced_needed as integer) as experienced_needed,
        due_on,
        as_of_date
    from reached
)

select * from final
