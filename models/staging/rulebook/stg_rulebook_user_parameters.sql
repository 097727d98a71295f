{#- The user rulebook's rows as validated (warehouse/inputs/user_rulebook.py): already canonical (codes and values
    trimmed, dates typed, booleans `true`/`false`, param_id filled in), so nothing is re-cast here. -#}
with source as (select * from {{ source('rulebook_user', 'parameters') }}),

final as (
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
        source_row,
        valid_from,
        valid_until
    from source
)

select * from final
