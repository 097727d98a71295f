{#- Every non-null value is a code of exactly `length` digits (12-digit township codes, 6-digit county codes). -#}
{% test digit_code(model, column_name, length) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
    and not {{ matches_regex(column_name, '^[0-9]{' ~ length ~ '}$') }}
{% endtest %}
