{#- Approved exceptions (contract v1.1), shared by the violations mart and waiver_use. -#}

{#- Whether a waiver (a row of int_waivers_in_force) covers a finding: same rule and township, the same person and
    period where the waiver names them, on the same as-of date. -#}
{% macro waiver_covers(waiver, finding, finding_date='as_of_date') -%}
    (
        {{ waiver }}.rule_id = {{ finding }}.rule_id
        and {{ waiver }}.township_code = {{ finding }}.township_code
        and ({{ waiver }}.person_id is null or {{ waiver }}.person_id = {{ finding }}.person_id)
        and ({{ waiver }}.period is null or {{ waiver }}.period = {{ finding }}.period)
        and {{ waiver }}.as_of_date = {{ finding }}.{{ finding_date }}
    )
{%- endmacro %}

{#- For each finding of `findings` (rule_id, township_code, person_id, period, as_of_date) that a waiver in force
    covers, the one waiver cited beside it: the most specific (naming the person, then the period), then the latest
    approved, then the lowest waiver_id. Join it on the finding's key (person_id and period may be null). -#}
{% macro covering_waivers(findings) -%}
(
    select *
    from (
        select
            covered.rule_id,
            covered.township_code,
            covered.person_id,
            covered.period,
            covered.as_of_date,
            waivers.waiver_id,
            waivers.approval_no as waiver_no,
            row_number() over (
                partition by covered.rule_id, covered.township_code, covered.person_id, covered.period, covered.as_of_date
                order by
                    case when waivers.person_id is null then 1 else 0 end,
                    case when waivers.period is null then 1 else 0 end,
                    waivers.approved_on desc,
                    waivers.waiver_id
            ) as waiver_rank
        from {{ findings }} as covered
        inner join {{ ref('int_waivers_in_force') }} as waivers on {{ waiver_covers('waivers', 'covered') }}
    ) as ranked_waivers
    where waiver_rank = 1
)
{%- endmacro %}
