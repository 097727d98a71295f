with source as (select * from {{ source('raw', 'planned_scenarios') }}),

final as (
    select
        scenario_id,
        world,
        posting_id,
        person_id,
        person_copy_id,
        posting_copy_id,
        copy_suffix,
        judged_on,
        planned_start_date
    from source
)

select * from final
