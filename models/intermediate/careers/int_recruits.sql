{#- Civil servants whose posting active on recruited_on is a (non-secondment) township posting: the candidates
    for "newly recruited township civil servant". Whether they were recruited on or after a rule's in-force
    date is decided by each rule. -#}
with people as (select * from {{ ref('stg_people') }}),

postings as (select * from {{ ref('stg_postings') }}),

postings_on_recruitment as (
    select
        people.person_id,
        postings.township_code,
        postings.county_code,
        people.recruited_on,
        row_number() over (
            partition by people.person_id
            order by postings.start_date desc, postings.posting_id
        ) as posting_rank
    from people
    inner join postings
        on postings.person_id = people.person_id
        and postings.is_township
        and not postings.is_secondment
        and {{ is_active_on('postings.start_date', 'postings.end_date', 'people.recruited_on') }}
    where people.staff_category = 'civil_servant'
        and people.recruited_on is not null
),

final as (
    select
        person_id,
        township_code as recruitment_township_code,
        county_code as recruitment_county_code,
        recruited_on
    from postings_on_recruitment
    where posting_rank = 1
)

select * from final
