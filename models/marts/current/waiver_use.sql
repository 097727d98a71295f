{#- One row per approved exception and as-of date: whether it is in force and how many findings it covers. One
    that covers none — expired, not yet approved, or matching no finding — is listed in the run's summary and
    manifest (`warehouse export`), so stale approvals surface. -#}
with waivers as (select * from {{ ref('stg_waivers') }}),

in_force as (select * from {{ ref('int_waivers_in_force') }}),

violations as (select * from {{ ref('violations') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

covered as (
    select
        in_force.waiver_id,
        in_force.as_of_date,
        count(*) as findings_covered
    from in_force
    inner join violations on {{ waiver_covers('in_force', 'violations', 'as_of') }}
    group by in_force.waiver_id, in_force.as_of_date
),

final as (
    select
        waivers.waiver_id,
        waivers.rule_id,
        waivers.township_code,
        waivers.person_id,
        waivers.period,
        waivers.approval_no,
        waivers.approved_by,
        waivers.reason,
        case
            when waivers.approved_on > as_of_dates.as_of_date then 'not_yet_in_force'
            when waivers.valid_until < as_of_dates.as_of_date then 'expired'
            else 'in_force'
        end as state,
        cast(coalesce(covered.findings_covered, 0) as integer) as findings_covered,
        waivers.approved_on,
        waivers.valid_until,
        as_of_dates.as_of_date as as_of
    from waivers
    cross join as_of_dates
    left join covered
        on covered.waiver_id = waivers.waiver_id
        and covered.as_of_date = as_of_dates.as_of_date
)

select * from final
