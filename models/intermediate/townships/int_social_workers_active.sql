{#- Social workers with an active township posting, per township and as-of date. -#}
with postings as (select * from {{ ref('stg_postings') }}),

people as (select * from {{ ref('stg_people') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

final as (
    select distinct
        postings.township_code,
        postings.person_id,
        as_of_dates.as_of_date
    from postings
    inner join people on people.person_id = postings.person_id
    inner join as_of_dates
        on {{ is_active_on('postings.start_date', 'postings.end_date', 'as_of_dates.as_of_date') }}
    where postings.is_township
        and people.staff_category = 'social_worker'
)

select * from final
