{#- The combination of `columns` is unique (the few generic tests we need, written here: the package hub is out
    of reach). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
