{#- Units active on each as-of date: established on or before it and not abolished on or before it. -#}
with units as (select * from {{ ref('stg_units') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

final as (
    select
        units.unit_id,
        units.township_code,
        units.unit_name,
        units.unit_kind,
        units.established_on,
        units.abolished_on,
        as_of_dates.as_of_date
    from units
    inner join as_of_dates
        on {{ is_active_on('units.established_on', 'units.abolished_on', 'as_of_dates.as_of_date') }}
)

select * from final
