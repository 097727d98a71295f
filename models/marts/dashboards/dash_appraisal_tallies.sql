with tallies as (select * from {{ ref('int_appraisal_tallies') }}),

final as (
    select
        township_code,
        appraisal_year,
        cast(graded as integer) as graded,
        cast(excellent as integer) as excellent,
        cast(not_graded as integer) as not_graded
    from tallies
    where as_of_date = {{ last_as_of_date() }}
)

select * from final
