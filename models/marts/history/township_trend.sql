{#- One row per snapshot and township judged in it: the findings standing that day by severity, and how many
    were new, reopened or resolved since the previous snapshot of the same rulebook version. -#}
with snapshots as (select * from {{ ref('stg_snapshots') }}),

townships as (select * from {{ ref('stg_snapshot_townships') }}),

history as (select * from {{ ref('violation_history') }}),

counts as (
    select
        snapshot_id,
        township_code,
        sum(case when status <> 'resolved' and severity = 'error' then 1 else 0 end) as violations_error,
        sum(case when status <> 'resolved' and severity = 'warn' then 1 else 0 end) as violations_warn,
        sum(case when status <> 'resolved' and severity = 'info' then 1 else 0 end) as violations_info,
        sum(case when status <> 'resolved' then 1 else 0 end) as violations,
        sum(case when status = 'new' then 1 else 0 end) as new_findings,
        sum(case when status = 'reopened' then 1 else 0 end) as reopened_findings,
        sum(case when status = 'resolved' then 1 else 0 end) as resolved_findings
    from history
    group by snapshot_id, township_code
),

final as (
    select
        snapshots.snapshot_date,
        townships.township_code,
        cast(coalesce(counts.violations_error, 0) as integer) as violations_error,
        cast(coalesce(counts.violations_warn, 0) as integer) as violations_warn,
        cast(coalesce(counts.violations_info, 0) as integer) as violations_info,
        snapshots.rulebook_version,
        snapshots.snapshot_id,
        townships.county_code,
        townships.township_name,
        cast(coalesce(counts.violations, 0) as integer) as violations,
        cast(coalesce(counts.new_findings, 0) as integer) as new_findings,
        cast(coalesce(counts.reopened_findings, 0) as integer) as reopened_findings,
        cast(coalesce(counts.resolved_findings, 0) as integer) as resolved_findings
    from townships
    inner join snapshots on snapshots.snapshot_id = townships.snapshot_id
    left join counts
        on counts.snapshot_id = townships.snapshot_id
        and counts.township_code = townships.township_code
)

select * from final
