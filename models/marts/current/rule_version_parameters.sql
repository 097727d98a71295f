{#- One row per parameter row of each rule version of the rulebook the build judged with (shipped and user rows,
    supersession applied), and one row for a rule with no version: the rule, the version's jurisdiction, dates and
    coverage on the as-of date (from rule_coverage), the value with its type, unit and meaning
    (rulebook_parameter_definitions) and its citation. The workbook's 规则与依据. -#}
with coverage as (select * from {{ ref('rule_coverage') }}),

rules as (select * from {{ ref('rulebook_rules') }}),

parameters as (select * from {{ ref('int_rulebook_parameters_merged') }}),

definitions as (select * from {{ ref('rulebook_parameter_definitions') }}),

keyed_parameters as (
    select
        parameters.*,
        {{ version_key_sql() }} as version_key
    from parameters
),

final as (
    select
        coverage.rule_id,
        coverage.severity,
        coverage.rule_kind,
        coverage.title_zh,
        rules.description_zh,
        coverage.version_key,
        coverage.jurisdiction_prefix,
        coverage.jurisdiction_name,
        keyed_parameters.param_id,
        keyed_parameters.parameter,
        keyed_parameters.value,
        definitions.value_type,
        definitions.unit,
        definitions.meaning_zh,
        keyed_parameters.document,
        keyed_parameters.document_short,
        keyed_parameters.clause,
        keyed_parameters.quote_zh,
        keyed_parameters.origin,
        coverage.townships_covered_on_as_of,
        coverage.is_enabled,
        coverage.valid_from,
        coverage.valid_until
    from coverage
    inner join rules on rules.rule_id = coverage.rule_id
    left join keyed_parameters on keyed_parameters.version_key = coverage.version_key
    left join definitions
        on definitions.rule_id = keyed_parameters.rule_id
        and definitions.parameter = keyed_parameters.parameter
)

select * from final
