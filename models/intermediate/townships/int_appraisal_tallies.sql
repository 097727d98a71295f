{#- Civil servants' appraisals by appraising township and year: how many were graded (not_graded left out) and
    how many of those were graded excellent, counted once and listed for every as-of date on or after the year's
    31 December (years after an as-of date are not judged on it). Only the townships of the townships file are
    tallied: an appraisal by a township the file does not hold is loaded but counts for no township judged. -#}
with appraisals as (select * from {{ ref('stg_appraisals') }}),

people as (select * from {{ ref('stg_people') }}),

townships as (select * from {{ ref('stg_townships') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

tallies as (
    select
        appraisals.township_code,
        appraisals.appraisal_year,
        sum(case when appraisals.grade <> 'not_graded' then 1 else 0 end) as graded,
        sum(case when appraisals.grade = 'excellent' then 1 else 0 end) as excellent,
        sum(case when appraisals.grade = 'not_graded' then 1 else 0 end) as not_graded,
        appraisals.appraisal_on
    from appraisals
    inner join people on people.person_id = appraisals.person_id
    where people.staff_category = 'civil_servant'
        and appraisals.township_code in (select township_code from townships)
    group by appraisals.township_code, appraisals.appraisal_year, appraisals.appraisal_on
),

final as (
    select
        tallies.*,
        as_of_dates.as_of_date
    from tallies
    inner join as_of_dates on tallies.appraisal_on <= as_of_dates.as_of_date
)

select * from final
