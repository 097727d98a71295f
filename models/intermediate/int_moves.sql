{#- Moves and resignations of everyone, with the township they happen in (docs/rules.md "Move",
    "Resignation"). Secondments are set aside when ordering postings. -#}
with postings as (select * from {{ ref('stg_postings') }}),

sequenced as (
    select
        *,
        lead(posting_id) over (partition by person_id order by start_date, posting_id) as next_posting_id,
        row_number() over (partition by person_id order by start_date desc, posting_id desc) as reverse_rank
    from postings
    where not is_secondment
),

moves as (
    select
        left_posting.person_id,
        'move' as event_kind,
        left_posting.posting_id as from_posting_id,
        next_posting.posting_id as to_posting_id,
        left_posting.township_code,
        left_posting.county_code,
        next_posting.org_level as to_org_level,
        next_posting.township_code as to_township_code,
        next_posting.county_code as to_county_code,
        next_posting.start_date as event_on
    from sequenced as left_posting
    inner join sequenced as next_posting on next_posting.posting_id = left_posting.next_posting_id
    where left_posting.is_township
        and (not next_posting.is_township or next_posting.township_code <> left_posting.township_code)
),

last_township_postings as (
    select
        person_id,
        township_code,
        county_code,
        row_number() over (partition by person_id order by start_date desc, posting_id desc) as township_rank
    from sequenced
    where is_township
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
    from sequenced as last_posting
    left join last_township_postings as last_township
        on last_township.person_id = last_posting.person_id
        and last_township.township_rank = 1
    where last_posting.reverse_rank = 1
        and last_posting.end_reason = 'resignation'
        and last_posting.end_date is not null
),

final as (
    select * from moves
    union all
    select * from resignations
)

select * from final
