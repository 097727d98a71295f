{#- One row: the as-of date (the last one, when a build judges a series), time of the last build and the load folder
    it judged, so exports and snapshots know what they read and a new load keeps that folder. -#}
with final as (
    select
        '{{ invocation_id }}' as invocation_id,
        '{{ env_var("WAREHOUSE_LOADED", "") }}' as loaded_from,
        {{ last_as_of_date() }} as as_of,
        cast({{ dbt.current_timestamp() }} as timestamp) as built_at
)

select * from final
