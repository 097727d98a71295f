with source as (select * from {{ source('raw', 'units') }}),

final as (
    select
        unit_id,
        township_code,
        unit_name,
        unit_kind,
        established_on,
        abolished_on
    from source
)

select * from final
