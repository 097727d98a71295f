{#- Township leadership team members on each as-of date: (township_code, person_id, as_of_date) of every active
    township posting with is_leadership, once each. Read by int_leadership_teams and, for whom to count experience,
    int_experience_on_as_of. -#}
{% macro leadership_members_on(postings, as_of_dates) -%}
    select distinct
        {{ postings }}.township_code,
        {{ postings }}.person_id,
        {{ as_of_dates }}.as_of_date
    from {{ postings }}
    inner join {{ as_of_dates }}
        on {{ is_active_on(postings ~ '.start_date', postings ~ '.end_date', as_of_dates ~ '.as_of_date') }}
    where {{ postings }}.is_township
        and {{ postings }}.is_leadership
{%- endmacro %}
