with source as (select * from {{ source('raw', 'postings') }}),

final as (
    select
        posting_id,
        person_id,
        township_code,
        county_code,
        unit_id,
        org_level,
        position,
        end_reason,
        coalesce(is_leadership, false) or coalesce(is_chief, false) as is_leadership,
        coalesce(is_chief, false) as is_chief,
        coalesce(is_secondment, false) as is_secondment,
        org_level = 'township' as is_township,
        start_date,
        end_date
    from source
)

select * from final
