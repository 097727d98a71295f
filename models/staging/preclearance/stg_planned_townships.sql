with source as (select * from {{ source('raw', 'planned_townships') }}),

final as (
    select
        scenario_id,
        world,
        township_code,
        township_copy_code
    from source
)

select * from final
