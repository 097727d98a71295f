with townships as (select * from {{ ref('stg_townships') }}),

final as (
    select
        township_code,
        county_code,
        township_name,
        township_type,
        approved_leader_posts,
        is_small,
        is_developed_town
    from townships
)

select * from final
