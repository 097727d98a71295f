{#- The rulebook the rules read (every rulebook macro selects from here, not from the seed): the shipped rows and
    a user rulebook's, with the supersession of contract section 6 applied. A user version of a rule for a prefix
    supersedes the shipped rows of that rule and prefix from its valid_from on: a shipped row stays in force
    before that date (its valid_until becomes the user's valid_from) and one starting on or after it is dropped.
    A user version sets every parameter of its rule (validated before the build), so this is the contract's "a
    user row for the same rule, prefix and parameter supersedes it", and it holds for a user version that only
    switches the rule off (`enabled` = false) too. After a user version's valid_until nothing of that rule and
    prefix is in force: a shorter prefix's version, if any, applies (docs/rules.md, "The rulebook"). -#}
with shipped as (select * from {{ ref('rulebook_parameters') }}),

user_rows as (select * from {{ ref('stg_rulebook_user_parameters') }}),

superseded as (
    select
        rule_id,
        jurisdiction_prefix,
        min(valid_from) as superseded_from
    from user_rows
    group by rule_id, jurisdiction_prefix
),

shipped_in_force as (
    select
        shipped.param_id,
        shipped.rule_id,
        shipped.jurisdiction_prefix,
        shipped.jurisdiction_name,
        shipped.parameter,
        shipped.value,
        shipped.document,
        shipped.document_short,
        shipped.clause,
        shipped.quote_zh,
        'shipped' as origin,
        shipped.valid_from,
        case
            when superseded.superseded_from is null then shipped.valid_until
            when shipped.valid_until is null or superseded.superseded_from < shipped.valid_until
                then superseded.superseded_from
            else shipped.valid_until
        end as valid_until
    from shipped
    left join superseded
        on superseded.rule_id = shipped.rule_id
        and superseded.jurisdiction_prefix = shipped.jurisdiction_prefix
),

merged as (
    select *
    from shipped_in_force
    where valid_until is null or valid_from < valid_until
    union all
    select
        param_id,
        rule_id,
        jurisdiction_prefix,
        jurisdiction_name,
        parameter,
        value,
        document,
        document_short,
        clause,
        quote_zh,
        'user' as origin,
        valid_from,
        valid_until
    from user_rows
),

final as (
    select * from merged
)

select * from final
