{#- One row per finding whose status changed in the latest snapshot of its rulebook version: new, reopened or
    resolved since the snapshot before it (violation_history), with that snapshot's date (null when the latest is
    the first, so nothing could change). A page lists the rows of its own division. -#}
with history as (select * from {{ ref('violation_history') }}),

snapshots as (select * from {{ ref('stg_snapshots') }}),

people as (select * from {{ ref('stg_people') }}),

ordered_snapshots as (
    select
        rulebook_version,
        snapshot_date,
        lag(snapshot_date) over (partition by rulebook_version order by snapshot_date) as previous_snapshot_on,
        row_number() over (partition by rulebook_version order by snapshot_date desc) as recency
    from snapshots
),

latest as (
    select *
    from ordered_snapshots
    where recency = 1
),

final as (
    select
        history.rule_id,
        history.township_code,
        history.person_id,
        history.period,
        history.rulebook_version,
        history.status,
        history.severity,
        history.county_code,
        history.township_name,
        people.name as person_name,
        history.message_zh,
        history.times_reopened,
        history.first_seen_on,
        latest.previous_snapshot_on,
        history.snapshot_date
    from history
    inner join latest
        on latest.rulebook_version = history.rulebook_version
        and latest.snapshot_date = history.snapshot_date
    left join people on people.person_id = history.person_id
    where history.status in ('new', 'reopened', 'resolved')
)

select * from final
