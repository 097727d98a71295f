{#- One row per finding the latest snapshot of its rulebook version still finds (violation_lifecycle): how long it
    has stood, from the snapshot that first found it to the latest. Where that is the version's first snapshot, the
    finding may be older than the history: its age is a lower bound (is_age_at_least), and the pages say
    "at least". -#}
with lifecycle as (select * from {{ ref('violation_lifecycle') }}),

snapshots as (select * from {{ ref('stg_snapshots') }}),

people as (select * from {{ ref('stg_people') }}),

first_snapshots as (
    select
        rulebook_version,
        min(snapshot_date) as first_snapshot_on
    from snapshots
    group by rulebook_version
),

final as (
    select
        lifecycle.rule_id,
        lifecycle.township_code,
        lifecycle.person_id,
        lifecycle.period,
        lifecycle.rulebook_version,
        lifecycle.severity,
        lifecycle.county_code,
        lifecycle.township_name,
        people.name as person_name,
        lifecycle.message_zh,
        cast({{ dbt.datediff('lifecycle.first_seen_on', 'lifecycle.latest_snapshot_on', 'day') }} as integer) as days_open,
        lifecycle.snapshots_found,
        lifecycle.times_reopened,
        lifecycle.first_seen_on = first_snapshots.first_snapshot_on as is_age_at_least,
        lifecycle.first_seen_on,
        lifecycle.open_since_on,
        lifecycle.latest_snapshot_on,
        first_snapshots.first_snapshot_on
    from lifecycle
    inner join first_snapshots on first_snapshots.rulebook_version = lifecycle.rulebook_version
    left join people on people.person_id = lifecycle.person_id
    where lifecycle.status = 'open'
)

select * from final
