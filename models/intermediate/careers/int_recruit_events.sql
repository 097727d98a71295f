{#- Moves and resignations of recruitment candidates (int_recruits) on or after their recruitment date: what
    STAFF_TRANSFER_LOCK and STAFF_MIN_SERVICE judge. Each event is listed for every as-of date on or after it. -#}
with recruits as (select * from {{ ref('int_recruits') }}),

moves as (select * from {{ ref('int_moves') }}),

as_of_dates as (select * from {{ as_of_dates() }} as spine),

events as (
    select
        moves.person_id,
        moves.from_posting_id || ':' || moves.event_kind as event_id,
        moves.event_kind,
        moves.township_code,
        moves.county_code,
        recruits.recruitment_township_code,
        moves.to_org_level,
        moves.to_township_code,
        coalesce(moves.to_org_level = 'township' and moves.to_county_code = moves.county_code, false)
            as is_to_same_county_township,
        recruits.recruited_on,
        moves.event_on
    from moves
    inner join recruits on recruits.person_id = moves.person_id
    where moves.event_on >= recruits.recruited_on
),

final as (
    select
        events.*,
        as_of_dates.as_of_date
    from events
    inner join as_of_dates on events.event_on <= as_of_dates.as_of_date
)

select * from final
