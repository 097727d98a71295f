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
    {{ experience_totals('by_kind', 'person_id') }}
)

select * from final
