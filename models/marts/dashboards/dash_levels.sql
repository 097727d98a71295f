{#- The levels the dashboards draw, from the 12-digit township code (contract section 1): a division of a level is
    the code's first prefix_length digits, and its parent is the division of parent_length digits. -#}
with levels as (
    select 'nation' as level, '全国' as level_zh, 0 as level_rank, 0 as prefix_length, cast(null as integer) as parent_length
    union all
    select 'province' as level, '省级' as level_zh, 1 as level_rank, 2 as prefix_length, 0 as parent_length
    union all
    select 'city' as level, '市级' as level_zh, 2 as level_rank, 4 as prefix_length, 2 as parent_length
    union all
    select 'county' as level, '县级' as level_zh, 3 as level_rank, 6 as prefix_length, 4 as parent_length
    union all
    select 'township' as level, '乡镇' as level_zh, 4 as level_rank, 12 as prefix_length, 6 as parent_length
),

final as (
    select * from levels
)

select * from final
