{#- Township work and township leadership as merged spans: overlapping or touching postings count once
    (contract section 2). A posting still open ends on the far date open_end(). Postings are read once, with only
    the columns needed: every township posting is township work, and a leadership one is leadership too. -#}
with postings as (select * from {{ ref('stg_postings') }}),

township_postings as (
    select
        person_id,
        is_leadership,
        start_date,
        coalesce(end_date, {{ open_end() }}) as end_date
    from postings
    where is_township
),

experience_kinds as (
    select 'township' as experience_kind
    union all
    select 'leadership' as experience_kind
),

experience_postings as (
    select
        township_postings.person_id,
        experience_kinds.experience_kind,
        township_postings.start_date,
        township_postings.end_date
    from township_postings
    inner join experience_kinds
        on experience_kinds.experience_kind = 'township' or township_postings.is_leadership
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
