{#- A parameter row's id, shipped or from a user rulebook, names its rule, prefix, date and parameter, so a finding's param_id reads on its own. -#}
select param_id
from {{ ref('int_rulebook_parameters_merged') }}
where param_id <> rule_id || '@' || jurisdiction_prefix || '@' || cast(valid_from as {{ dbt.type_string() }}) || '#' || parameter
