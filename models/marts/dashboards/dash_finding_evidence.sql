{#- One row per finding on the as-of date (the last of a series) and record it rests on: the units counted (the
    unit-count rules), the postings of the leadership team or the social workers counted, the chief posting
    judged, the posting left and the one moved to with the recruitment date, the secondment, the excellent
    appraisals of the year. A count that is too low rests on what is there (no social worker: no row). -#}
with violations as (select * from {{ ref('violations') }}),

units as (select * from {{ ref('int_units_active') }}),

postings as (select * from {{ ref('stg_postings') }}),

people as (select * from {{ ref('stg_people') }}),

townships as (select * from {{ ref('stg_townships') }}),

appraisals as (select * from {{ ref('stg_appraisals') }}),

members as (select * from {{ ref('int_leadership_members') }}),

moves as (select * from {{ ref('int_moves') }}),

recruits as (select * from {{ ref('int_recruits') }}),

chief_postings as (select * from {{ ref('int_chief_postings') }}),

secondments as (select * from {{ ref('int_secondments') }}),

findings as (
    select
        rule_id,
        township_code,
        person_id,
        period,
        event_on
    from violations
    where as_of = {{ last_as_of_date() }}
),

unit_evidence as (
    select
        findings.rule_id,
        findings.township_code,
        findings.person_id,
        findings.period,
        'unit' as evidence_kind,
        units.unit_id as evidence_id,
        units.unit_name || '（' || {{ unit_kind_zh('units.unit_kind') }} || '，' || {{ txt('units.established_on') }}
            || ' 设立）' as detail_zh,
        units.established_on as evidence_on
    from findings
    inner join units
        on units.township_code = findings.township_code
        and units.as_of_date = {{ last_as_of_date() }}
    where (findings.rule_id = 'ORG_OFFICE_COUNT' and units.unit_kind in ('office', 'post'))
        or (findings.rule_id = 'ORG_STATION_MAX' and units.unit_kind = 'station')
        or (
            findings.rule_id in ('ORG_DEVELOPED_TOWN_BODIES', 'ORG_STANDARD_STRUCTURE')
            and units.unit_kind in ('office', 'institute', 'station', 'center')
        )
),

{#- Postings a finding rests on, with a word on the role each plays; described once below. -#}
team_postings as (
    select
        findings.rule_id,
        findings.township_code,
        findings.person_id,
        findings.period,
        postings.posting_id,
        case
            when members.is_experienced then '；乡镇工作 ' || {{ txt('members.township_days') }} || ' 天，满 '
                || {{ txt('members.min_township_years') }} || ' 年'
            when members.is_experienced is not null then '；乡镇工作 ' || {{ txt('members.township_days') }}
                || ' 天，不满 ' || {{ txt('members.min_township_years') }} || ' 年'
            else ''
        end as role_zh,
        '班子成员' as prefix_zh
    from findings
    inner join postings
        on postings.township_code = findings.township_code
        and postings.is_township
        and postings.is_leadership
        and {{ is_active_on('postings.start_date', 'postings.end_date', last_as_of_date()) }}
    left join members
        on members.township_code = postings.township_code
        and members.person_id = postings.person_id
        and members.as_of_date = {{ last_as_of_date() }}
    where findings.rule_id in ('STAFF_OVER_LEADER_QUOTA', 'LEAD_TEAM_EXPERIENCE')
),

social_worker_postings as (
    select
        findings.rule_id,
        findings.township_code,
        findings.person_id,
        findings.period,
        postings.posting_id,
        '' as role_zh,
        '社会工作者' as prefix_zh
    from findings
    inner join postings
        on postings.township_code = findings.township_code
        and postings.is_township
        and {{ is_active_on('postings.start_date', 'postings.end_date', last_as_of_date()) }}
    inner join people
        on people.person_id = postings.person_id
        and people.staff_category = 'social_worker'
    where findings.rule_id = 'STAFF_SOCIAL_WORKERS'
),

chief_evidence_postings as (
    select
        findings.rule_id,
        findings.township_code,
        findings.person_id,
        findings.period,
        chief_postings.posting_id,
        case
            when findings.rule_id = 'LEAD_CHIEF_EXPERIENCE' then '；此前乡镇领导工作 '
                || {{ txt('chief_postings.leadership_days_at_start') }} || ' 天、乡镇工作 '
                || {{ txt('chief_postings.township_days_at_start') }} || ' 天'
            else ''
        end as role_zh,
        '党政正职' as prefix_zh
    from findings
    inner join chief_postings
        on chief_postings.person_id = findings.person_id
        and chief_postings.township_code = findings.township_code
        and (
            (findings.rule_id = 'LEAD_CHIEF_EXPERIENCE' and chief_postings.start_date = findings.event_on)
            or (findings.rule_id = 'LEAD_CHIEF_TERM' and chief_postings.end_date = findings.event_on)
        )
),

move_events as (
    select
        findings.rule_id,
        findings.township_code,
        findings.person_id,
        findings.period,
        moves.from_posting_id,
        moves.to_posting_id
    from findings
    inner join moves
        on moves.person_id = findings.person_id
        and moves.township_code = findings.township_code
        and moves.event_on = findings.event_on
        and (findings.rule_id = 'STAFF_MIN_SERVICE' or moves.event_kind = 'move')
    where findings.rule_id in ('STAFF_TRANSFER_LOCK', 'STAFF_MIN_SERVICE')
),

move_postings as (
    select rule_id, township_code, person_id, period, from_posting_id as posting_id, '' as role_zh, '离开的任职' as prefix_zh
    from move_events
    union all
    select rule_id, township_code, person_id, period, to_posting_id as posting_id, '' as role_zh, '调入的任职' as prefix_zh
    from move_events
    where to_posting_id is not null
),

secondment_postings as (
    select
        findings.rule_id,
        findings.township_code,
        findings.person_id,
        findings.period,
        secondments.posting_id,
        '' as role_zh,
        '借调' as prefix_zh
    from findings
    inner join secondments
        on secondments.person_id = findings.person_id
        and secondments.township_code = findings.township_code
        and secondments.start_date = findings.event_on
        and secondments.as_of_date = {{ last_as_of_date() }}
    where findings.rule_id = 'STAFF_SECONDMENT'
),

rested_on_postings as (
    select * from team_postings
    union all
    select * from social_worker_postings
    union all
    select * from chief_evidence_postings
    union all
    select * from move_postings
    union all
    select * from secondment_postings
),

posting_evidence as (
    select
        rested_on_postings.rule_id,
        rested_on_postings.township_code,
        rested_on_postings.person_id,
        rested_on_postings.period,
        'posting' as evidence_kind,
        postings.posting_id as evidence_id,
        rested_on_postings.prefix_zh || '：' || coalesce(people.name, postings.person_id) || '（' || postings.person_id
            || '），' || coalesce(places.township_name, {{ org_level_zh('postings.org_level') }} || '机关')
            || coalesce(' ' || postings.position, '') || '，' || {{ txt('postings.start_date') }}
            || coalesce(' 至 ' || {{ txt('postings.end_date') }}, ' 起') || rested_on_postings.role_zh as detail_zh,
        postings.start_date as evidence_on
    from rested_on_postings
    inner join postings on postings.posting_id = rested_on_postings.posting_id
    left join people on people.person_id = postings.person_id
    left join townships as places on places.township_code = postings.township_code
),

recruitment_evidence as (
    select
        findings.rule_id,
        findings.township_code,
        findings.person_id,
        findings.period,
        'recruitment' as evidence_kind,
        recruits.person_id as evidence_id,
        '录用为公务员：' || {{ txt('recruits.recruited_on') }} || '，' || coalesce(places.township_name, recruits.recruitment_township_code)
            as detail_zh,
        recruits.recruited_on as evidence_on
    from findings
    inner join recruits on recruits.person_id = findings.person_id
    left join townships as places on places.township_code = recruits.recruitment_township_code
    where findings.rule_id in ('STAFF_TRANSFER_LOCK', 'STAFF_MIN_SERVICE')
),

appraisal_evidence as (
    select
        findings.rule_id,
        findings.township_code,
        findings.person_id,
        findings.period,
        'appraisal' as evidence_kind,
        appraisals.person_id as evidence_id,
        '考核优秀：' || coalesce(people.name, appraisals.person_id) || '（' || appraisals.person_id || '），'
            || {{ txt('appraisals.appraisal_year') }} || ' 年度' as detail_zh,
        appraisals.appraisal_on as evidence_on
    from findings
    inner join appraisals
        on appraisals.township_code = findings.township_code
        and appraisals.appraisal_year = findings.period
        and appraisals.grade = 'excellent'
    inner join people
        on people.person_id = appraisals.person_id
        and people.staff_category = 'civil_servant'
    where findings.rule_id = 'APPR_EXCELLENT_RATIO'
),

final as (
    select * from unit_evidence
    union all
    select * from posting_evidence
    union all
    select * from recruitment_evidence
    union all
    select * from appraisal_evidence
)

select * from final
