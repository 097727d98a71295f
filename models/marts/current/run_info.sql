{#- One row: the as-of date (the last one, when a build judges a series), time of the last build and the load folder
    it judged, so exports and snapshots know what they read and a new load keeps that folder; and the rulebook it
    judged with (`warehouse build` passes them: warehouse/engine/build.py rulebook_env): its version, a hash over
    the shipped seeds and a user rulebook's validated rows, and the user file with its SHA-256 (null without one). -#}
with final as (
    select
        '{{ invocation_id }}' as invocation_id,
        '{{ env_var("WAREHOUSE_LOADED", "") }}' as loaded_from,
        {{ text_literal(env_var("WAREHOUSE_RULEBOOK_VERSION", "")) }} as rulebook_version,
        {{ text_literal(env_var("WAREHOUSE_RULEBOOK_FILE", "")) }} as rulebook_file,
        {{ text_literal(env_var("WAREHOUSE_RULEBOOK_SHA256", "")) }} as rulebook_sha256,
        {{ last_as_of_date() }} as as_of,
        cast({{ dbt.current_timestamp() }} as timestamp) as built_at
)

select * from final
