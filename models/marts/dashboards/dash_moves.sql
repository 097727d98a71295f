with moves as (select * from {{ ref('int_moves') }}),

final as (
    select
        person_id,
        event_kind,
        from_posting_id,
        to_posting_id,
        township_code,
        to_org_level,
        to_township_code,
        event_on
    from moves
)

select * from final
