with source as (select * from {{ source('raw', 'appraisals') }}),

final as (
    select
        person_id,
        township_code,
        grade,
        year as appraisal_year,
        {{ year_end('year') }} as appraisal_on
    from source
)

select * from final
