{#- Accumulated township work and leadership, by each as-of date, of each person on a township leadership team
    that day (an active township posting with is_leadership): the only people its readers ask about
    (int_leadership_teams, dash_leadership_members). The merged spans are computed once (int_postings_merged) and
    summed per date, both kinds in one pass. Summing every person's spans for every date of a ten-year backfill
    was 37 of its 75 s at 10,000 townships (bench/REPORT.md). -#}
with spans as (select * from {{ ref('int_postings_merged') }}),

postings as (select * from {{ ref('stg_postings') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

members as (
    select distinct person_id, as_of_date
    from ({{ leadership_members_on('postings', 'as_of_dates') }}) as team_members
),

final as (
    select
        spans.person_id,
        members.as_of_date,
        {{ experience_day_totals('spans', 'members.as_of_date') }}
    from members
    inner join spans
        on spans.person_id = members.person_id
    group by spans.person_id, members.as_of_date
)

select * from final
