{#- One row per finding and rulebook version: when the snapshots first and last found it, whether the latest
    snapshot of the version still finds it, since when it has been open, when it was resolved and how often it
    came back. -#}
with history as (select * from {{ ref('violation_history') }}),

snapshots as (select * from {{ ref('stg_snapshots') }}),

latest_snapshots as (
    select
        rulebook_version,
        max(snapshot_date) as latest_snapshot_on
    from snapshots
    group by rulebook_version
),

ranked as (
    select
        *,
        row_number() over (
            partition by rulebook_version, rule_id, township_code, person_id, period
            order by snapshot_date desc
        ) as recency,
        max(case when status in ('new', 'reopened') then snapshot_date end) over (
            partition by rulebook_version, rule_id, township_code, person_id, period
        ) as open_since_on,
        count(case when status <> 'resolved' then 1 end) over (
            partition by rulebook_version, rule_id, township_code, person_id, period
        ) as snapshots_found
    from history
),

final as (
    select
        ranked.rule_id,
        ranked.township_code,
        ranked.person_id,
        ranked.period,
        ranked.rulebook_version,
        case when ranked.status = 'resolved' then 'resolved' else 'open' end as status,
        ranked.severity,
        ranked.county_code,
        ranked.township_name,
        ranked.message_zh,
        cast(ranked.snapshots_found as integer) as snapshots_found,
        ranked.times_reopened,
        ranked.first_seen_on,
        ranked.last_seen_on,
        case when ranked.status <> 'resolved' then ranked.open_since_on end as open_since_on,
        ranked.resolved_on,
        latest_snapshots.latest_snapshot_on
    from ranked
    inner join latest_snapshots on latest_snapshots.rulebook_version = ranked.rulebook_version
    where ranked.recency = 1
)

select * from final
