{#- Leadership team of each township on each as-of date: people with an active township posting there with
    is_leadership or is_chief, each with their accumulated township work by that date. -#}
with postings as (select * from {{ ref('stg_postings') }}),

experience as (select * from {{ ref('int_experience_on_as_of') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

members as ({{ leadership_members_on('postings', 'as_of_dates') }}),

final as (
    select
        members.township_code,
        members.person_id,
        coalesce(experience.township_days, 0) as township_days,
        members.as_of_date
    from members
    left join experience
        on experience.person_id = members.person_id
        and experience.as_of_date = members.as_of_date
)

select * from final
