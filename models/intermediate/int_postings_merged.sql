{#- Township work and township leadership as merged spans: overlapping or touching postings count once
    (contract section 2). A posting still open ends on the far date open_end(). -#}
with postings as (select * from {{ ref('stg_postings') }}),

experience_postings as (
    select
        person_id,
        'township' as experience_kind,
        start_date,
        coalesce(end_date, {{ open_end() }}) as end_date
    from postings
    where is_township
    union all
    select
        person_id,
        'leadership' as experience_kind,
        start_date,
        coalesce(end_date, {{ open_end() }}) as end_date
    from postings
    where is_township and is_leadership
),

with_previous_end as (
    select
        *,
        max(end_date) over (
            partition by person_id, experience_kind
            order by start_date, end_date
            rows between unbounded preceding and 1 preceding
        ) as previous_end
    from experience_postings
),

span_starts as (
    select
        *,
        case when previous_end is not null and previous_end >= start_date then 0 else 1 end as is_span_start
    from with_previous_end
),

numbered as (
    select
        *,
        sum(is_span_start) over (
            partition by person_id, experience_kind
            order by start_date, end_date
            rows between unbounded preceding and current row
        ) as span_number
    from span_starts
),

final as (
    select
        person_id,
        experience_kind,
        span_number,
        min(start_date) as span_start,
        max(end_date) as span_end
    from numbered
    group by person_id, experience_kind, span_number
)

select * from final
