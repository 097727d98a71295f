{#- The contract's rule ids (section 3), in its order. The rulebook seed must hold exactly these (tested);
    the scorecard pivots one status column per id. -#}
{% macro rule_ids() -%}
    {{ return([
        'ORG_OFFICE_COUNT', 'ORG_STATION_MAX', 'ORG_DEVELOPED_TOWN_BODIES', 'ORG_STANDARD_STRUCTURE',
        'STAFF_TRANSFER_LOCK', 'STAFF_MIN_SERVICE', 'STAFF_SECONDMENT', 'LEAD_CHIEF_EXPERIENCE',
        'LEAD_TEAM_EXPERIENCE', 'LEAD_CHIEF_TERM', 'APPR_EXCELLENT_RATIO', 'STAFF_SOCIAL_WORKERS',
        'STAFF_OVER_LEADER_QUOTA',
    ]) }}
{%- endmacro %}
