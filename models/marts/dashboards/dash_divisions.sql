{#- Every division the dashboards have a page or a row for — the nation, each province, city and county, and each
    township — from the township codes (dash_levels), with its parent, the name the data gives it, and its headline
    figures on the as-of date (the last of a series). A province is named from the division_names seed (GB/T 2260);
    a city or county by the rulebook's jurisdiction_name where a rule names that prefix; otherwise it has no name
    and the pages show its code. -#}
with townships as (select * from {{ ref('stg_townships') }}),

statuses as (select * from {{ ref('township_rule_status') }}),

violations as (select * from {{ ref('violations') }}),

levels as (select * from {{ ref('dash_levels') }}),

division_names as (select * from {{ ref('division_names') }}),

rulebook_parameters as (select * from {{ ref('int_rulebook_parameters_merged') }}),

coverage as (
    select
        township_code,
        sum(case when status = 'not_covered' then 0 else 1 end) as rules_covered
    from statuses
    where as_of = {{ last_as_of_date() }}
    group by township_code
),

found as (
    select
        township_code,
        person_id,
        severity
    from violations
    where as_of = {{ last_as_of_date() }}
),

finding_counts as (
    select
        township_code,
        count(*) as findings,
        sum(case when severity = 'error' then 1 else 0 end) as findings_error,
        sum(case when severity = 'warn' then 1 else 0 end) as findings_warn,
        sum(case when severity = 'info' then 1 else 0 end) as findings_info
    from found
    group by township_code
),

township_facts as (
    select
        townships.township_code,
        townships.township_name,
        coalesce(finding_counts.findings, 0) as findings,
        coalesce(finding_counts.findings_error, 0) as findings_error,
        coalesce(finding_counts.findings_warn, 0) as findings_warn,
        coalesce(finding_counts.findings_info, 0) as findings_info,
        coalesce(coverage.rules_covered, 0) = 0 as is_not_covered
    from townships
    left join finding_counts on finding_counts.township_code = townships.township_code
    left join coverage on coverage.township_code = townships.township_code
),

placed as (
    select
        levels.level,
        substring(township_facts.township_code, 1, levels.prefix_length) as division_prefix,
        case when levels.parent_length is not null
            then substring(township_facts.township_code, 1, levels.parent_length) end as parent_prefix,
        township_facts.township_code,
        township_facts.township_name,
        levels.level_rank,
        township_facts.findings,
        township_facts.findings_error,
        township_facts.findings_warn,
        township_facts.findings_info,
        township_facts.is_not_covered,
        row_number() over (
            partition by levels.level, substring(township_facts.township_code, 1, levels.prefix_length)
            order by township_facts.township_code
        ) as township_rank
    from township_facts
    cross join levels
),

counted as (
    select
        level,
        division_prefix,
        parent_prefix,
        max(case when level = 'township' then township_name end) as township_name,
        {{ ordered_string_agg("case when township_rank <= 3 then township_name end", "'、'", 'township_code') }}
            as example_townships,
        level_rank,
        count(*) as townships,
        sum(case when findings > 0 then 1 else 0 end) as townships_with_findings,
        sum(case when is_not_covered then 1 else 0 end) as townships_not_covered,
        sum(findings) as findings,
        sum(findings_error) as findings_error,
        sum(findings_warn) as findings_warn,
        sum(findings_info) as findings_info
    from placed
    group by level, division_prefix, parent_prefix, level_rank
),

people_found as (
    select
        levels.level,
        substring(found.township_code, 1, levels.prefix_length) as division_prefix,
        count(distinct found.person_id) as people_with_findings
    from found
    cross join levels
    group by levels.level, substring(found.township_code, 1, levels.prefix_length)
),

subdivisions as (
    select
        parent_prefix,
        level_rank - 1 as parent_rank,
        count(*) as subdivisions
    from counted
    where parent_prefix is not null
    group by parent_prefix, level_rank - 1
),

jurisdiction_names as (
    select
        jurisdiction_prefix,
        min(jurisdiction_name) as jurisdiction_name
    from rulebook_parameters
    where jurisdiction_name is not null and jurisdiction_name <> ''
    group by jurisdiction_prefix
),

final as (
    select
        counted.level,
        counted.division_prefix,
        counted.parent_prefix,
        case
            when counted.level = 'nation' then '全国'
            when counted.level = 'township' then counted.township_name
            else coalesce(division_names.name_zh, jurisdiction_names.jurisdiction_name)
        end as division_name,
        case
            when counted.level = 'nation' then 'level'
            when counted.level = 'township' then 'townships'
            when division_names.name_zh is not null then 'division_names'
            when jurisdiction_names.jurisdiction_name is not null then 'rulebook'
        end as name_source,
        case when counted.level <> 'township' then counted.example_townships end as example_townships,
        counted.level_rank,
        cast(counted.townships as integer) as townships,
        cast(counted.townships_with_findings as integer) as townships_with_findings,
        cast(counted.townships_not_covered as integer) as townships_not_covered,
        cast(coalesce(subdivisions.subdivisions, 0) as integer) as subdivisions,
        cast(counted.findings as integer) as findings,
        cast(counted.findings_error as integer) as findings_error,
        cast(counted.findings_warn as integer) as findings_warn,
        cast(counted.findings_info as integer) as findings_info,
        cast(coalesce(people_found.people_with_findings, 0) as integer) as people_with_findings
    from counted
    left join subdivisions
        on subdivisions.parent_prefix = counted.division_prefix
        and subdivisions.parent_rank = counted.level_rank
    left join people_found
        on people_found.level = counted.level
        and people_found.division_prefix = counted.division_prefix
    left join division_names
        on division_names.division_code = counted.division_prefix
        and division_names.level = counted.level
    left join jurisdiction_names
        on jurisdiction_names.jurisdiction_prefix = counted.division_prefix
        and counted.level in ('province', 'city', 'county')
)

select * from final
