{#- Accumulated township work and leadership of each person by each as-of date. The merged spans are computed
    once (int_postings_merged) and summed per date, both kinds in one pass. -#}
with spans as (select * from {{ ref('int_postings_merged') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

final as (
    select
        spans.person_id,
        as_of_dates.as_of_date,
        {{ experience_day_totals('spans', 'as_of_dates.as_of_date') }}
    from spans
    cross join as_of_dates
    group by spans.person_id, as_of_dates.as_of_date
)

select * from final
