{#- The rulebook holds exactly the contract's rule ids (macro rule_ids), no more, no fewer. -#}
with expected as (
    {% for rule_id in rule_ids() %}
    select '{{ rule_id }}' as rule_id{% if not loop.last %} union all{% endif %}
    {% endfor %}
),

actual as (select rule_id from {{ ref('rulebook_rules') }})

select coalesce(expected.rule_id, actual.rule_id) as rule_id
from expected
full outer join actual on actual.rule_id = expected.rule_id
where expected.rule_id is null or actual.rule_id is null
