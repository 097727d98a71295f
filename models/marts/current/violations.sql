{#- Every rule's findings on each as-of date in the columns of contract section 4, with the citation of the
    parameter row used, the approval number of an exception in force that covers it (contract v1.1), and what was
    observed and the limit in words (the workbook's; violations.csv keeps the contract's columns). -#}
with
{% for rule_id in rule_ids() %}
{{ rule_id | lower }} as (select * from {{ ref('rule_' ~ rule_id | lower) }}),
{% endfor %}

rules as (select * from {{ ref('rulebook_rules') }}),

parameters as (select * from {{ ref('int_rule_parameters') }}),

townships as (select * from {{ ref('stg_townships') }}),

findings as (
    {% for rule_id in rule_ids() %}
    select rule_id, township_code, person_id, period, observed, limit_value, observed_zh, limit_zh, param_id, finding_zh,
        event_on, as_of_date
    from {{ rule_id | lower }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        findings.rule_id,
        rules.severity,
        findings.township_code,
        findings.person_id,
        findings.period,
        townships.county_code,
        townships.township_name,
        findings.param_id,
        findings.observed,
        findings.limit_value,
        findings.observed_zh,
        findings.limit_zh,
        findings.finding_zh || '（' || parameters.short_citation || '）' as message_zh,
        parameters.citation,
        waived.waiver_no,
        waived.waiver_id,
        findings.as_of_date as as_of,
        findings.event_on
    from findings
    inner join rules on rules.rule_id = findings.rule_id
    left join parameters on parameters.param_id = findings.param_id
    left join townships on townships.township_code = findings.township_code
    {#- An approved exception in force covers the finding: it stays, with its approval number (macros/waivers.sql). #}
    left join {{ covering_waivers('findings') }} as waived
        on waived.rule_id = findings.rule_id
        and waived.township_code = findings.township_code
        and waived.person_id is not distinct from findings.person_id
        and waived.period is not distinct from findings.period
        and waived.as_of_date = findings.as_of_date
)

select * from final
