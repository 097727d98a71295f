with units as (select * from {{ ref('stg_units') }}),

final as (
    select
        unit_id,
        township_code,
        unit_name,
        unit_kind,
        established_on,
        abolished_on
    from units
)

select * from final
