with final as (
    {{ rule_parameters_sql() }}
)

select * from final
