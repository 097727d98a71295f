with source as (select * from {{ source('raw', 'people') }}),

final as (
    select
        person_id,
        id_number_hash,
        id_number_masked,
        name,
        gender,
        staff_category,
        birth_date,
        recruited_on
    from source
)

select * from final
