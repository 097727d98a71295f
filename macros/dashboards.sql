{#- Chinese labels for the dashboards' sentences (dash_findings, dash_finding_evidence), as in
    warehouse/inputs/contract.py UNIT_KINDS and ORG_LEVELS (tests/python/test_dashboards.py checks they agree). -#}

{% macro unit_kind_zh(expr) -%}
    case {{ expr }}
        when 'office' then '综合性办公室'
        when 'post' then '综合性岗位'
        when 'institute' then '行政所'
        when 'station' then '事业站所'
        when 'center' then '便民服务中心'
        when 'dispatched' then '派驻机构'
        else {{ expr }}
    end
{%- endmacro %}

{% macro org_level_zh(expr) -%}
    case {{ expr }}
        when 'township' then '乡镇'
        when 'county' then '县级'
        when 'city' then '市级'
        when 'province' then '省级'
        when 'other' then '其他'
        else {{ expr }}
    end
{%- endmacro %}
