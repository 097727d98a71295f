{#- One row: the as-of date (the last one, when a build judges a series) and time of the last build, so exports
    and snapshots know what they read. -#}
with final as (
    select
        '{{ invocation_id }}' as invocation_id,
        {{ last_as_of_date() }} as as_of,
        cast({{ dbt.current_timestamp() }} as timestamp) as built_at
)

select * from final
