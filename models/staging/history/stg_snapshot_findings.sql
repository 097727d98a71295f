with source as (select * from {{ source('history', 'snapshot_findings') }}),

final as (
    select
        snapshot_id,
        rule_id,
        township_code,
        person_id,
        period,
        severity,
        county_code,
        township_name,
        param_id,
        observed,
        limit_value,
        message_zh,
        waiver_no,
        event_on
    from source
)

select * from final
