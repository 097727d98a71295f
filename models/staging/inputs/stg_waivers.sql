with source as (select * from {{ source('raw', 'waivers') }}),

final as (
    select
        waiver_id,
        rule_id,
        township_code,
        person_id,
        period,
        approval_no,
        approved_by,
        reason,
        approved_on,
        valid_until
    from source
)

select * from final
