{#- Whether each rule covers each township on each as-of date (docs/rules.md): a state rule needs an enabled
    version in force on the as-of date; an event rule, an enabled version in force on some day up to it. A version
    with `only_developed_towns` = true is in force only for economically developed towns (contract section 3,
    ORG_DEVELOPED_TOWN_BODIES: "only is_developed_town"): elsewhere the rule is not covered. -#}
with townships as (select * from {{ ref('stg_townships') }}),

rules as (select * from {{ ref('rulebook_rules') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

township_rules as (
    select
        townships.township_code,
        townships.is_developed_town,
        rules.rule_id,
        rules.rule_kind
    from townships
    cross join rules
),

township_rules_on_dates as (
    select
        township_rules.*,
        as_of_dates.as_of_date
    from township_rules
    cross join as_of_dates
),

state_versions as {{ in_force_version(none, 'township_rules_on_dates', 'events.township_code, events.rule_id, events.as_of_date', 'township_code', 'events.as_of_date', only_enabled=false) }},

scoped_versions as (
    select
        state_versions.*,
        coalesce(developed_only.value, 'false') = 'true' as is_developed_towns_only
    from state_versions
    {{ join_parameter('developed_only', 'state_versions', 'only_developed_towns') }}
),

first_in_force as (
    select
        township_code,
        rule_id,
        {{ first_in_force_on('township_rules.rule_id', 'township_rules.township_code') }} as first_in_force_on
    from township_rules
),

final as (
    select
        township_rules_on_dates.township_code,
        township_rules_on_dates.rule_id,
        township_rules_on_dates.rule_kind,
        scoped_versions.version_key as as_of_version_key,
        case
            when township_rules_on_dates.rule_kind = 'state' then
                coalesce(scoped_versions.is_version_enabled, false)
                and (not coalesce(scoped_versions.is_developed_towns_only, false) or township_rules_on_dates.is_developed_town)
            else coalesce(first_in_force.first_in_force_on <= township_rules_on_dates.as_of_date, false)
        end as is_covered,
        first_in_force.first_in_force_on,
        township_rules_on_dates.as_of_date
    from township_rules_on_dates
    left join scoped_versions
        on scoped_versions.township_code = township_rules_on_dates.township_code
        and scoped_versions.rule_id = township_rules_on_dates.rule_id
        and scoped_versions.as_of_date = township_rules_on_dates.as_of_date
    left join first_in_force
        on first_in_force.township_code = township_rules_on_dates.township_code
        and first_in_force.rule_id = township_rules_on_dates.rule_id
)

select * from final
