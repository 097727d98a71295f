with source as (select * from {{ source('history', 'snapshots') }}),

final as (
    select
        snapshot_id,
        rulebook_version,
        inputs_checksum,
        run_id,
        findings,
        townships,
        snapshot_date,
        taken_at
    from source
)

select * from final
