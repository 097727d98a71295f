{#- One row per finding on the as-of date (the last of a series; violations), as the pages list it: the rule's
    title, the township and the person by name, what was observed and the limit it was held against as Chinese
    sentences, built from the finding's own values and the parameters of the rulebook version it was judged by
    (never a number written here), and the clause. The rows a finding rests on are in dash_finding_evidence.
    The page's sentences say more than the rule models' observed_zh / limit_zh (the workbook's): the position
    taken, where a move went, the dates; a rule without one here falls back to the rule model's. -#}
with violations as (select * from {{ ref('violations') }}),

rules as (select * from {{ ref('rulebook_rules') }}),

parameters as (select * from {{ ref('int_rule_parameters') }}),

people as (select * from {{ ref('stg_people') }}),

townships as (select * from {{ ref('stg_townships') }}),

moves as (select * from {{ ref('int_moves') }}),

chief_postings as (select * from {{ ref('int_chief_postings') }}),

secondments as (select * from {{ ref('int_secondments') }}),

findings as (
    select *
    from violations
    where as_of = {{ last_as_of_date() }}
),

used_parameters as (
    select
        param_id,
        version_key,
        {{ dbt.split_part('short_citation', "'：'", 1) }} as clause_zh
    from parameters
),

{#- Every parameter of each rulebook version, side by side: the sentences quote the version's values. -#}
version_values as (
    select
        version_key,
        max(case when parameter = 'min_offices' then value end) as min_offices,
        max(case when parameter = 'max_offices' then value end) as max_offices,
        max(case when parameter = 'max_stations' then value end) as max_stations,
        max(case when parameter = 'max_bodies' then value end) as max_bodies,
        max(case when parameter = 'standard_offices' then value end) as standard_offices,
        max(case when parameter = 'standard_institutes' then value end) as standard_institutes,
        max(case when parameter = 'standard_stations' then value end) as standard_stations,
        max(case when parameter = 'standard_centers' then value end) as standard_centers,
        max(case when parameter = 'lock_years' then value end) as lock_years,
        max(case when parameter = 'min_service_years' then value end) as min_service_years,
        max(case when parameter = 'term_years' then value end) as term_years,
        max(case when parameter = 'min_leadership_years' then value end) as min_leadership_years,
        max(case when parameter = 'min_township_years' then value end) as min_township_years,
        max(case when parameter = 'max_excellent_pct' then value end) as max_excellent_pct,
        max(case when parameter = 'min_social_workers' then value end) as min_social_workers
    from parameters
    group by version_key
),

{#- A person's move or resignation on the finding's date in its township (STAFF_TRANSFER_LOCK, STAFF_MIN_SERVICE). -#}
events as (
    select
        moves.person_id,
        moves.township_code,
        moves.event_on,
        min(moves.event_kind) as event_kind,
        min(moves.to_org_level) as to_org_level,
        min(coalesce(destinations.township_name, moves.to_township_code)) as to_township
    from moves
    left join townships as destinations on destinations.township_code = moves.to_township_code
    group by moves.person_id, moves.township_code, moves.event_on
),

chief_starts as (
    select
        person_id,
        township_code,
        start_date,
        min(position) as position
    from chief_postings
    group by person_id, township_code, start_date
),

chief_ends as (
    select
        person_id,
        township_code,
        end_date,
        min(position) as position,
        min(end_reason) as end_reason,
        min(start_date) as start_date
    from chief_postings
    where end_date is not null
    group by person_id, township_code, end_date
),

seconded as (
    select
        person_id,
        township_code,
        start_date,
        min(org_level) as org_level,
        min(position) as position
    from secondments
    where as_of_date = {{ last_as_of_date() }}
    group by person_id, township_code, start_date
),

joined as (
    select
        findings.*,
        rules.title_zh,
        people.name as person_name,
        people.recruited_on,
        used_parameters.clause_zh,
        version_values.*,
        events.event_kind,
        events.to_org_level,
        events.to_township,
        coalesce(chief_starts.position, chief_ends.position, '党政正职') as chief_position,
        chief_ends.end_reason,
        chief_ends.start_date as chief_start_date,
        seconded.org_level as seconded_to_level,
        seconded.position as seconded_position
    from findings
    inner join rules on rules.rule_id = findings.rule_id
    left join people on people.person_id = findings.person_id
    left join used_parameters on used_parameters.param_id = findings.param_id
    left join version_values on version_values.version_key = used_parameters.version_key
    left join events
        on findings.rule_id in ('STAFF_TRANSFER_LOCK', 'STAFF_MIN_SERVICE')
        and events.person_id = findings.person_id
        and events.township_code = findings.township_code
        and events.event_on = findings.event_on
    left join chief_starts
        on findings.rule_id = 'LEAD_CHIEF_EXPERIENCE'
        and chief_starts.person_id = findings.person_id
        and chief_starts.township_code = findings.township_code
        and chief_starts.start_date = findings.event_on
    left join chief_ends
        on findings.rule_id = 'LEAD_CHIEF_TERM'
        and chief_ends.person_id = findings.person_id
        and chief_ends.township_code = findings.township_code
        and chief_ends.end_date = findings.event_on
    left join seconded
        on findings.rule_id = 'STAFF_SECONDMENT'
        and seconded.person_id = findings.person_id
        and seconded.township_code = findings.township_code
        and seconded.start_date = findings.event_on
),

{#- Where a move went, in words. -#}
destined as (
    select
        *,
        case
            when to_org_level = 'township' then '调往' || coalesce(to_township, '其他乡镇')
            when to_org_level is not null then '调往' || {{ org_level_zh('to_org_level') }} || '机关'
            else '调离'
        end as move_zh,
        regexp_extract(observed, 'leadership_days=([0-9]+)', 1) as leadership_days,
        regexp_extract(observed, 'township_days=([0-9]+)', 1) as township_days,
        regexp_extract(limit_value, 'leadership_days>=([0-9]+)', 1) as min_leadership_days,
        regexp_extract(limit_value, 'township_days>=([0-9]+)', 1) as min_township_days,
        {{ dbt.split_part('observed', "'/'", 1) }} as share_part,
        {{ dbt.split_part('observed', "'/'", 2) }} as share_whole,
        case when rule_id = 'APPR_EXCELLENT_RATIO' then
            100 * cast({{ dbt.split_part('observed', "'/'", 1) }} as integer)
        end as excellent_hundreds,
        case when rule_id = 'APPR_EXCELLENT_RATIO' then
            cast({{ dbt.split_part('observed', "'/'", 2) }} as integer)
        end as graded
    from joined
),

described as (
    select
        *,
        case rule_id
            when 'ORG_OFFICE_COUNT' then '在用综合性办公室 ' || observed || ' 个'
            when 'ORG_STATION_MAX' then '在用事业站所 ' || observed || ' 个'
            when 'ORG_DEVELOPED_TOWN_BODIES' then '在用综合性办公室、行政所、事业站所和便民服务中心合计 ' || observed || ' 个'
            when 'ORG_STANDARD_STRUCTURE' then
                '在用综合性办公室 ' || regexp_extract(observed, 'office=([0-9]+)', 1)
                || ' 个、行政所 ' || regexp_extract(observed, 'institute=([0-9]+)', 1)
                || ' 个、事业站所 ' || regexp_extract(observed, 'station=([0-9]+)', 1)
                || ' 个、便民服务中心 ' || regexp_extract(observed, 'center=([0-9]+)', 1) || ' 个'
            when 'STAFF_TRANSFER_LOCK' then {{ txt('recruited_on') }} || ' 录用，' || observed || ' ' || move_zh
            when 'STAFF_MIN_SERVICE' then
                {{ txt('recruited_on') }} || ' 录用，' || observed || ' '
                || case when event_kind = 'resignation' then '辞职' else move_zh || '（本县乡镇以外）' end
            when 'STAFF_SECONDMENT' then
                '自 ' || observed || ' 起借调到' || coalesce({{ org_level_zh('seconded_to_level') }}, '上级') || '机关'
                || coalesce('（' || seconded_position || '）', '')
            when 'LEAD_CHIEF_EXPERIENCE' then
                {{ txt('event_on') }} || ' 任' || chief_position || '时，乡镇领导工作经历 ' || leadership_days
                || ' 天、乡镇工作经历 ' || township_days || ' 天'
            when 'LEAD_CHIEF_TERM' then
                '任' || chief_position || coalesce('（' || {{ txt('chief_start_date') }} || ' 起）', '') || '，' || observed
                || ' 离任，离任原因：' || {{ end_reason_zh('end_reason') }}
            when 'LEAD_TEAM_EXPERIENCE' then
                '领导班子 ' || share_whole || ' 人中，乡镇工作满 ' || coalesce(min_township_years, '?')
                || ' 年的 ' || share_part || ' 人'
            when 'APPR_EXCELLENT_RATIO' then
                {{ txt('period') }} || ' 年度公务员定等次 ' || share_whole || ' 人，其中优秀 '
                || share_part || ' 人（'
                || case when excellent_hundreds % graded = 0 then '' else '约 ' end
                || {{ txt('cast(round(1.0 * excellent_hundreds / graded, 0) as integer)') }} || '%）'
            when 'STAFF_SOCIAL_WORKERS' then '在岗社会工作人员 ' || observed || ' 名'
            when 'STAFF_OVER_LEADER_QUOTA' then '领导班子在职 ' || observed || ' 人'
            else observed
        end as page_observed_zh,
        case rule_id
            when 'ORG_OFFICE_COUNT' then '不少于 ' || min_offices || ' 个、不多于 ' || max_offices || ' 个'
            when 'ORG_STATION_MAX' then '不多于 ' || limit_value || ' 个'
            when 'ORG_DEVELOPED_TOWN_BODIES' then '经济发达镇合计不多于 ' || limit_value || ' 个'
            when 'ORG_STANDARD_STRUCTURE' then
                '标准设置：综合性办公室 ' || standard_offices || ' 个、行政所 ' || standard_institutes
                || ' 个、事业站所 ' || standard_stations || ' 个、便民服务中心 ' || standard_centers || ' 个'
            when 'STAFF_TRANSFER_LOCK' then '录用满 ' || lock_years || ' 年（' || limit_value || '）前不得调离'
            when 'STAFF_MIN_SERVICE' then
                '录用满 ' || min_service_years || ' 年（' || limit_value || '）前不得辞职；满 ' || lock_years
                || ' 年后也只能在本县乡镇之间调动'
            when 'STAFF_SECONDMENT' then '不得借调到县级、市级或省级机关'
            when 'LEAD_CHIEF_EXPERIENCE' then
                '乡镇领导工作经历满 ' || min_leadership_years || ' 年（' || min_leadership_days
                || ' 天）或乡镇工作经历满 ' || min_township_years || ' 年（' || min_township_days || ' 天），至少其一'
            when 'LEAD_CHIEF_TERM' then
                '任满 ' || term_years || ' 年（' || limit_value || '）前离任，须因退休、辞退或死亡'
            when 'LEAD_TEAM_EXPERIENCE' then
                '乡镇工作满 ' || coalesce(min_township_years, '?') || ' 年的不少于班子人数的 ' || limit_value
            when 'APPR_EXCELLENT_RATIO' then '优秀不超过定等次人数的 ' || limit_value
            when 'STAFF_SOCIAL_WORKERS' then '不少于 ' || limit_value || ' 名'
            when 'STAFF_OVER_LEADER_QUOTA' then '不超过核定领导职数 ' || limit_value || ' 名'
            else limit_value
        end as page_limit_zh
    from destined
),

final as (
    select
        rule_id,
        township_code,
        person_id,
        period,
        county_code,
        severity,
        title_zh,
        township_name,
        person_name,
        observed,
        limit_value,
        coalesce(page_observed_zh, observed_zh, observed) as observed_zh,
        coalesce(page_limit_zh, limit_zh, limit_value) as limit_zh,
        clause_zh,
        message_zh,
        citation,
        waiver_no,
        event_on
    from described
)

select * from final
