with source as (select * from {{ source('raw', 'townships') }}),

final as (
    select
        township_code,
        county_code,
        township_name,
        township_type,
        approved_leader_posts,
        coalesce(is_small, false) as is_small,
        coalesce(is_developed_town, false) as is_developed_town
    from source
)

select * from final
