{#- Chief postings (is_chief, township) with the accumulated township leadership and township work of the
    person by the posting's start date (the days before it; the posting itself does not count). -#}
with postings as (select * from {{ ref('stg_postings') }}),

spans as (select * from {{ ref('int_postings_merged') }}),

chief_postings as (
    select
        posting_id,
        person_id,
        township_code,
        position,
        end_reason,
        start_date,
        end_date
    from postings
    where is_township and is_chief
),

experience as (
    select
        chief_postings.posting_id,
        {{ experience_day_totals('spans', 'chief_postings.start_date') }}
    from chief_postings
    inner join spans on spans.person_id = chief_postings.person_id
    group by chief_postings.posting_id
),

final as (
    select
        chief_postings.posting_id,
        chief_postings.person_id,
        chief_postings.township_code,
        chief_postings.position,
        chief_postings.end_reason,
        coalesce(experience.township_days, 0) as township_days_at_start,
        coalesce(experience.leadership_days, 0) as leadership_days_at_start,
        chief_postings.start_date,
        chief_postings.end_date
    from chief_postings
    left join experience on experience.posting_id = chief_postings.posting_id
)

select * from final
