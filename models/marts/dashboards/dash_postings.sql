with postings as (select * from {{ ref('stg_postings') }}),

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
        is_leadership,
        is_chief,
        is_secondment,
        is_township,
        start_date,
        end_date
    from postings
)

select * from final
