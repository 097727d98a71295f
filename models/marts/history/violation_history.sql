{#- The lifecycle of every finding (rule_id, township_code, person_id, period) across the snapshots of its
    rulebook version, in snapshot-date order: `new` the first time it is found, `open` while each snapshot finds it
    again, `resolved` in the first snapshot that no longer finds it (no row after that while it stays gone),
    `reopened` when a later snapshot finds it again. Snapshots of different rulebook versions are never mixed. -#}
{%- set finding_timeline = 'partition by rulebook_version, rule_id, township_code, person_id, period order by snapshot_date' -%}
{%- set up_to_now = finding_timeline ~ ' rows between unbounded preceding and current row' %}
with snapshots as (select * from {{ ref('stg_snapshots') }}),

snapshot_findings as (select * from {{ ref('stg_snapshot_findings') }}),

findings as (
    select
        snapshot_findings.*,
        snapshots.rulebook_version,
        snapshots.snapshot_date
    from snapshot_findings
    inner join snapshots on snapshots.snapshot_id = snapshot_findings.snapshot_id
),

finding_keys as (
    select
        rulebook_version,
        rule_id,
        township_code,
        person_id,
        period,
        min(snapshot_date) as first_seen_on
    from findings
    group by rulebook_version, rule_id, township_code, person_id, period
),

{#- Every snapshot of the version from the one that first found the finding on: present or not. -#}
timeline as (
    select
        finding_keys.rulebook_version,
        finding_keys.rule_id,
        finding_keys.township_code,
        finding_keys.person_id,
        finding_keys.period,
        snapshots.snapshot_id,
        findings.severity,
        findings.county_code,
        findings.township_name,
        findings.message_zh,
        findings.waiver_no,
        findings.snapshot_id is not null as is_present,
        finding_keys.first_seen_on,
        snapshots.snapshot_date
    from finding_keys
    inner join snapshots
        on snapshots.rulebook_version = finding_keys.rulebook_version
        and snapshots.snapshot_date >= finding_keys.first_seen_on
    left join findings
        on findings.snapshot_id = snapshots.snapshot_id
        and findings.rule_id = finding_keys.rule_id
        and findings.township_code = finding_keys.township_code
        and findings.person_id is not distinct from finding_keys.person_id
        and findings.period is not distinct from finding_keys.period
),

compared as (
    select
        *,
        lag(is_present) over ({{ finding_timeline }}) as was_present,
        max(case when is_present then snapshot_date end) over ({{ up_to_now }}) as last_seen_on
    from timeline
),

statuses as (
    select
        *,
        case
            when is_present and was_present is null then 'new'
            when is_present and was_present then 'open'
            when is_present then 'reopened'
            when was_present then 'resolved'
        end as status
    from compared
),

described as (
    select
        *,
        sum(case when status = 'reopened' then 1 else 0 end) over ({{ up_to_now }}) as times_reopened,
        {{ last_non_null('severity') }} over ({{ up_to_now }}) as last_severity,
        {{ last_non_null('county_code') }} over ({{ up_to_now }}) as last_county_code,
        {{ last_non_null('township_name') }} over ({{ up_to_now }}) as last_township_name,
        {{ last_non_null('message_zh') }} over ({{ up_to_now }}) as last_message_zh
    from statuses
),

final as (
    select
        snapshot_date,
        rule_id,
        township_code,
        person_id,
        period,
        status,
        rulebook_version,
        snapshot_id,
        last_severity as severity,
        last_county_code as county_code,
        last_township_name as township_name,
        last_message_zh as message_zh,
        waiver_no,
        cast(times_reopened as integer) as times_reopened,
        first_seen_on,
        last_seen_on,
        case when status = 'resolved' then snapshot_date end as resolved_on
    from described
    where status is not null
)

select * from final
