{#- Each township × rule on each as-of date: failed, waived (every finding covered by an approved exception in
    force), passed or not_covered (docs/rules.md). -#}
with coverage as (select * from {{ ref('int_township_rule_coverage') }}),

violations as (select * from {{ ref('violations') }}),

rules as (select * from {{ ref('rulebook_rules') }}),

violation_counts as (
    select
        township_code,
        rule_id,
        as_of,
        count(*) as violations,
        sum(case when waiver_no is not null then 1 else 0 end) as waived
    from violations
    group by township_code, rule_id, as_of
),

final as (
    select
        coverage.township_code,
        coverage.rule_id,
        rules.severity,
        case
            when violation_counts.violations > violation_counts.waived then 'failed'
            when violation_counts.violations > 0 then 'waived'
            when coverage.is_covered then 'passed'
            else 'not_covered'
        end as status,
        cast(coalesce(violation_counts.violations, 0) as integer) as violations,
        cast(coalesce(violation_counts.waived, 0) as integer) as waived,
        coverage.first_in_force_on,
        coverage.as_of_date as as_of
    from coverage
    inner join rules on rules.rule_id = coverage.rule_id
    left join violation_counts
        on violation_counts.township_code = coverage.township_code
        and violation_counts.rule_id = coverage.rule_id
        and violation_counts.as_of = coverage.as_of_date
)

select * from final
