{#- Leadership team of each township on the as-of date: people with an active township posting there with
    is_leadership or is_chief, each with their accumulated township work by the as-of date. -#}
with postings as (select * from {{ ref('stg_postings') }}),

experience as (select * from {{ ref('int_experience_on_as_of') }}),

members as (
    select distinct
        township_code,
        person_id,
    from postings
    where is_township
        and is_leadership
        and {{ is_active_on('start_date', 'end_date', as_of_date()) }}
),

final as (
    select
        members.township_code,
        members.person_id,
        coalesce(experience.township_days, 0) as township_days,
    from members
    left join experience on experience.person_id = members.person_id
)

select * from final
