{#- The ends of the transfer lock and of the minimum service of each newly recruited township civil servant still
    in a township, on each as-of date: the anniversaries of recruited_on by the years of the version of
    STAFF_TRANSFER_LOCK (lock_years) and STAFF_MIN_SERVICE (min_service_years) in force for the township they are
    in, from the as-of date on (an end already passed is no deadline). "Newly recruited" is each rule's own
    definition (recruited on or after its in-force date for the recruitment township). -#}
{%- set service_rules = [('STAFF_TRANSFER_LOCK', 'lock_years'), ('STAFF_MIN_SERVICE', 'min_service_years')] -%}
with recruits as (select * from {{ ref('int_recruits') }}),

postings as (select * from {{ ref('stg_postings') }}),

townships as (select * from {{ ref('stg_townships') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

{#- The township each recruit is in on the as-of date: the latest started of their active township postings. -#}
township_postings as (
    select
        recruits.person_id,
        recruits.recruitment_township_code,
        postings.township_code,
        recruits.recruited_on,
        as_of_dates.as_of_date,
        row_number() over (
            partition by recruits.person_id, as_of_dates.as_of_date
            order by postings.start_date desc, postings.posting_id
        ) as posting_rank
    from recruits
    inner join postings
        on postings.person_id = recruits.person_id
        and postings.is_township
        and not postings.is_secondment
    inner join as_of_dates
        on {{ is_active_on('postings.start_date', 'postings.end_date', 'as_of_dates.as_of_date') }}
),

in_township as (
    select *
    from township_postings
    where posting_rank = 1
),
{% for rule_id, parameter in service_rules %}
{%- set name = rule_id | lower %}

{{ name }}_recruits as (
    select in_township.*
    from in_township
    where in_township.recruited_on >= {{ first_in_force_on("'" ~ rule_id ~ "'", 'in_township.recruitment_township_code') }}
),

{{ name }}_judged as {{ in_force_version(rule_id, name ~ '_recruits', 'events.person_id, events.as_of_date', 'township_code', 'events.as_of_date') }},

{{ name }}_due as (
    select
        '{{ rule_id }}' as rule_id,
        judged.township_code,
        judged.person_id,
        years.param_id,
        cast(years.value as integer) as years,
        judged.recruited_on,
        {{ anniversary('judged.recruited_on', 'cast(years.value as integer)') }} as due_on,
        judged.as_of_date
    from {{ name }}_judged as judged
    {{ join_parameter('years', 'judged', parameter) }}
),
{% endfor %}

due as (
    select * from staff_transfer_lock_due
    union all
    select * from staff_min_service_due
),

final as (
    select
        due.rule_id,
        due.township_code,
        due.person_id,
        due.param_id,
        townships.township_name || ' 新录用公务员 ' || due.person_id || '（' || {{ txt('due.recruited_on') }}
            || ' 录用）录用满 ' || {{ txt('due.years') }} || ' 年，'
            || case
                when due.rule_id = 'STAFF_TRANSFER_LOCK' then '不得调离乡镇机关的期限届满（此后可在本县乡镇之间调动）'
                else '最低服务年限届满（此后可调往本县乡镇以外的单位）'
            end as what_zh,
        due.due_on,
        due.as_of_date
    from due
    inner join townships on townships.township_code = due.township_code
    where due.due_on >= due.as_of_date
)

select * from final
