{#- A row's `column_name` date is not before its `other` date (end dates after start dates). -#}
{% test not_before(model, column_name, other, strictly=false) %}
select *
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} {{ '<=' if strictly else '<' }} {{ other }}
{% endtest %}
