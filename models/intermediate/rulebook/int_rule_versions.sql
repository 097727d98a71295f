with final as (
    {{ rule_versions_sql() }}
)

select * from final
