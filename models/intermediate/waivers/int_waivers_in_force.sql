{#- Each approved exception in force on each as-of date: approved on or before it and valid up to it or later, or
    open-ended (contract v1.1: approved_on <= as-of <= valid_until). A waiver that expired the day before, or is
    approved the day after, covers nothing on that date. -#}
with waivers as (select * from {{ ref('stg_waivers') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

final as (
    select
        waivers.waiver_id,
        waivers.rule_id,
        waivers.township_code,
        waivers.person_id,
        waivers.period,
        waivers.approval_no,
        waivers.approved_on,
        waivers.valid_until,
        as_of_dates.as_of_date
    from waivers
    inner join as_of_dates
        on waivers.approved_on <= as_of_dates.as_of_date
        and (waivers.valid_until is null or as_of_dates.as_of_date <= waivers.valid_until)
)

select * from final
