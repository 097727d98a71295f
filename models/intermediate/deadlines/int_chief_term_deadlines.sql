{#- For each chief in post on each as-of date, the day the chief posting reaches the years of LEAD_CHIEF_TERM's
    version in force for its township (term_years: the anniversary of its start), from the as-of date on. -#}
with chief_postings as (select * from {{ ref('int_chief_postings') }}),

townships as (select * from {{ ref('stg_townships') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

in_post as (
    select
        chief_postings.posting_id,
        chief_postings.person_id,
        chief_postings.township_code,
        chief_postings.position,
        chief_postings.start_date,
        as_of_dates.as_of_date
    from chief_postings
    inner join as_of_dates
        on {{ is_active_on('chief_postings.start_date', 'chief_postings.end_date', 'as_of_dates.as_of_date') }}
),

judged as {{ in_force_version('LEAD_CHIEF_TERM', 'in_post', 'events.posting_id, events.as_of_date', 'township_code', 'events.as_of_date') }},

due as (
    select
        judged.*,
        term_years.param_id,
        cast(term_years.value as integer) as years,
        {{ anniversary('judged.start_date', 'cast(term_years.value as integer)') }} as due_on
    from judged
    {{ join_parameter('term_years', 'judged', 'term_years') }}
),

final as (
    select
        'LEAD_CHIEF_TERM' as rule_id,
        due.township_code,
        due.person_id,
        due.posting_id,
        due.param_id,
        townships.township_name || ' ' || due.person_id || ' 任' || coalesce(due.position, '党政正职') || '（'
            || {{ txt('due.start_date') }} || ' 起）任满 ' || {{ txt('due.years') }} || ' 年' as what_zh,
        due.due_on,
        due.as_of_date
    from due
    inner join townships on townships.township_code = due.township_code
    where due.due_on >= due.as_of_date
)

select * from final
