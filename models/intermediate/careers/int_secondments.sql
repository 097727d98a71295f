{#- Secondments of township cadres to a county, city or province organ, with the home township: the
    non-secondment township posting active on the secondment's start date, else the latest township posting
    started before it. A secondment with no home township is not a township cadre's. Each secondment is listed
    for every as-of date on or after its start. -#}
with postings as (select * from {{ ref('stg_postings') }}),

{#- Postings are read twice, each import taking only what it needs, so that no engine keeps a copy of all of
    them (DuckDB materialises a CTE used twice). -#}
home_postings as (select * from {{ ref('stg_postings') }} where is_township and not is_secondment),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

secondments as (
    select
        posting_id,
        person_id,
        org_level,
        county_code,
        position,
        start_date,
        end_date
    from postings
    where is_secondment
        and org_level in ('county', 'city', 'province')
),

home_candidates as (
    select
        secondments.posting_id,
        home.township_code,
        row_number() over (
            partition by secondments.posting_id
            order by
                case when {{ is_active_on('home.start_date', 'home.end_date', 'secondments.start_date') }}
                    then 0 else 1 end,
                home.start_date desc,
                home.posting_id
        ) as home_rank
    from secondments
    inner join home_postings as home
        on home.person_id = secondments.person_id
        and home.start_date <= secondments.start_date
),

final as (
    select
        secondments.posting_id,
        secondments.person_id,
        home_candidates.township_code,
        secondments.org_level,
        secondments.county_code,
        secondments.position,
        secondments.start_date,
        secondments.end_date,
        as_of_dates.as_of_date
    from secondments
    inner join home_candidates
        on home_candidates.posting_id = secondments.posting_id
        and home_candidates.home_rank = 1
    inner join as_of_dates on secondments.start_date <= as_of_dates.as_of_date
)

select * from final
