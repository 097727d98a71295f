{#- Names only: no id_number, hash or masked form reaches a dashboard. -#}
with people as (select * from {{ ref('stg_people') }}),

final as (
    select
        person_id,
        name,
        staff_category,
        recruited_on
    from people
)

select * from final
