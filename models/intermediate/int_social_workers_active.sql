with postings as (select * from {{ ref('stg_postings') }}),

people as (select * from {{ ref('stg_people') }}),

final as (
    select distinct
        postings.township_code,
        postings.person_id,
    from postings
    inner join people on people.person_id = postings.person_id
    where postings.is_township
        and people.staff_category = 'social_worker'
        and {{ is_active_on('postings.start_date', 'postings.end_date', as_of_date()) }}
)

select * from final
