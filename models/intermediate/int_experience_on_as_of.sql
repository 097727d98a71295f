with spans as (select * from {{ ref('int_postings_merged') }}),

by_kind as (
    select
        spans.person_id,
        spans.experience_kind,
        {{ experience_days('spans', as_of_date()) }} as days,
    from spans
    group by spans.person_id, spans.experience_kind
),

final as (
    select
        person_id,
        sum(case when experience_kind = 'township' then days else 0 end) as township_days,
        sum(case when experience_kind = 'leadership' then days else 0 end) as leadership_days,
    from by_kind
    group by person_id
)

select * from final
