{#- One clause, one value: STAFF_TRANSFER_LOCK and STAFF_MIN_SERVICE both read `lock_years` from 004 三(三)
    ("在乡镇工作 2 年内一律不得调动；已满 2 年但不满 5 年的，可在本县…乡镇之间调动"). Each rule keeps its own row (a
    rule version is one rule's parameters), so the rulebook, shipped and user rows merged, must give them the same
    value for the same prefix and dates: every lock_years row of one rule has a twin of the other rule with the same
    prefix, valid_from, valid_until and value. Then every township and date resolves both to the same number. A
    user rulebook that breaks this is refused before the build (warehouse/inputs/user_rulebook.py). -#}
with lock_years as (
    select
        rule_id,
        jurisdiction_prefix,
        valid_from,
        coalesce(valid_until, cast('9999-12-31' as date)) as valid_until,
        value,
        param_id
    from {{ ref('int_rulebook_parameters_merged') }}
    where parameter = 'lock_years'
        and rule_id in ('STAFF_TRANSFER_LOCK', 'STAFF_MIN_SERVICE')
)

select lock_years.param_id
from lock_years
left join lock_years as twin
    on twin.rule_id <> lock_years.rule_id
    and twin.jurisdiction_prefix = lock_years.jurisdiction_prefix
    and twin.valid_from = lock_years.valid_from
    and twin.valid_until = lock_years.valid_until
    and twin.value = lock_years.value
where twin.param_id is null
