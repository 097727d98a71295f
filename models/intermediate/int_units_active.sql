with units as (select * from {{ ref('stg_units') }}),

final as (
    select
        unit_id,
        township_code,
        unit_name,
        unit_kind,
        established_on,
        abolished_on,
    from units
    where {{ is_active_on('established_on', 'abolished_on', as_of_date()) }}
)

select * from final
