with source as (select * from {{ source('history', 'snapshot_townships') }}),

final as (
    select
        snapshot_id,
        township_code,
        county_code,
        township_name
    from source
)

select * from final
