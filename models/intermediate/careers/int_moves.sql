{#- Moves and resignations of everyone, with the township they happen in (docs/rules.md "Move",
    "Resignation"). Secondments are set aside when ordering postings. One window carries the next posting's
    columns (lead), so no self-join; the last posting is the one without a next. -#}
with postings as (select * from {{ ref('stg_postings') }}),

{#- Read a second time rather than reuse `postings`: DuckDB materialises a CTE used twice. -#}
township_postings as (select * from {{ ref('stg_postings') }} where is_township and not is_secondment),

sequenced as (
    select
        person_id,
        posting_id,
        township_code,
        county_code,
        end_reason,
        is_township,
        start_date,
        end_date,
        lead(posting_id) over by_start as to_posting_id,
        lead(org_level) over by_start as to_org_level,
        lead(township_code) over by_start as to_township_code,
        lead(county_code) over by_start as to_county_code,
        lead(start_date) over by_start as to_start_date
    from postings
    where not is_secondment
    window by_start as (partition by person_id order by start_date, posting_id)
),

{#- The rows that make events, picked from the window's output in one pass: a township posting followed by one
    elsewhere (a move), and a last posting ended by resignation. -#}
event_postings as (
    select *
    from sequenced
    where (
            is_township
            and to_posting_id is not null
            and (to_org_level <> 'township' or to_township_code <> township_code)
        )
        or (to_posting_id is null and end_reason = 'resignation' and end_date is not null)
),

moves as (
    select
        person_id,
        'move' as event_kind,
        posting_id as from_posting_id,
        to_posting_id,
        township_code,
        county_code,
        to_org_level,
        to_township_code,
        to_county_code,
        to_start_date as event_on
    from event_postings
    where to_posting_id is not null
),

last_postings as (
    select *
    from event_postings
    where to_posting_id is null
),

{#- Only for a resignation from outside any township: the last township posting before it. -#}
last_township_postings as (
    select
        person_id,
        township_code,
        county_code,
        row_number() over (partition by person_id order by start_date desc, posting_id desc) as township_rank
    from township_postings
    where person_id in (select person_id from last_postings where not is_township)
),

resignations as (
    select
        last_posting.person_id,
        'resignation' as event_kind,
        last_posting.posting_id as from_posting_id,
        cast(null as {{ dbt.type_string() }}) as to_posting_id,
        coalesce(
            case when last_posting.is_township then last_posting.township_code end,
            last_township.township_code
        ) as township_code,
        coalesce(
            case when last_posting.is_township then last_posting.county_code end,
            last_township.county_code
        ) as county_code,
        cast(null as {{ dbt.type_string() }}) as to_org_level,
        cast(null as {{ dbt.type_string() }}) as to_township_code,
        cast(null as {{ dbt.type_string() }}) as to_county_code,
        last_posting.end_date as event_on
    from last_postings as last_posting
    left join last_township_postings as last_township
        on last_township.person_id = last_posting.person_id
        and last_township.township_rank = 1
),

final as (
    select * from moves
    union all
    select * from resignations
)

select * from final
