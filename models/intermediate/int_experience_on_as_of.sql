{#- Accumulated township work and leadership of each person by each as-of date. The merged spans are computed
    once (int_postings_merged) and summed per date. -#}
with spans as (select * from {{ ref('int_postings_merged') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

by_kind as (
    select
        spans.person_id,
        spans.experience_kind,
        as_of_dates.as_of_date,
        {{ experience_days('spans', 'as_of_dates.as_of_date') }} as days
    from spans
    cross join as_of_dates
    group by spans.person_id, spans.experience_kind, as_of_dates.as_of_date
),

final as (
    {{ experience_totals('by_kind', 'person_id, as_of_date') }}
)

select * from final
