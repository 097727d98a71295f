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

{#- Sorted by start, a posting starts a new span when it starts after every earlier posting has ended (touching
    ones merge). The span then ends where the next span starts: at the latest end of the postings before that
    start, or, for the last span, at the latest end of all. One sort of the postings gives both ends. -#}
bounded as (
    select
        person_id,
        experience_kind,
        start_date,
        max(end_date) over (
            partition by person_id, experience_kind
            order by start_date, end_date
            rows between unbounded preceding and 1 preceding
        ) as previous_end,
        max(end_date) over (partition by person_id, experience_kind) as last_end
    from experience_postings
),

span_starts as (
    select *
    from bounded
    where previous_end is null or previous_end < start_date
),

{#- Span starts have strictly increasing start dates (a later posting starting on the same day overlaps). -#}
final as (
    select
        person_id,
        experience_kind,
        row_number() over by_start as span_number,
        start_date as span_start,
        coalesce(lead(previous_end) over by_start, last_end) as span_end
    from span_starts
    window by_start as (partition by person_id, experience_kind order by start_date)
)

select * from final
