{#- Every parameter row the rules read, shipped or from a user rulebook, is one its rule defines
    (seeds/rulebook/rulebook_parameter_definitions.csv): a misspelt parameter would otherwise never be joined, and
    its rule would judge with a null. -#}
with parameters as (select * from {{ ref('int_rulebook_parameters_merged') }}),

definitions as (select * from {{ ref('rulebook_parameter_definitions') }})

select parameters.param_id
from parameters
left join definitions
    on definitions.rule_id = parameters.rule_id
    and definitions.parameter = parameters.parameter
where definitions.parameter is null
