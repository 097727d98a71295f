{#- A parameter row's id names its rule, prefix, date and parameter, so a finding's param_id reads on its own. -#}
select param_id
from {{ ref('rulebook_parameters') }}
where param_id <> rule_id || '@' || jurisdiction_prefix || '@' || cast(valid_from as {{ dbt.type_string() }}) || '#' || parameter
