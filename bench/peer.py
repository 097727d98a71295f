"""The lean peer: the twelve shipped rules in one plain DuckDB script over the loaded Parquet, no dbt.

Issue 18 measures the checker against the least a careful engineer would write to get the same findings: one
DuckDB connection, the loader's Parquet folders read directly, the shipped rulebook's values written into the SQL
(so no rulebook joins, no as-of sets, no data tests, no model layers), and only the keys of the findings as output
(rule_id, township_code, person_id, period). It is written from the contract and docs/rules.md, not from the
models; `bench/run.py` checks that its findings equal the checker's at every size before it reports a ratio.

    python bench/peer.py LOADED_DIR --as-of 2026-06-30 [--out findings.parquet]

LOADED_DIR is a load folder (`<warehouse>_loaded/current`). ORG_STANDARD_STRUCTURE ships with no version and is
left out, as the checker finds nothing for it either.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

GANZHOU, JIANGSU = "3607", "32"

SQL = """
create or replace temp view townships as select * from read_parquet('{loaded}/townships/*.parquet');
create or replace temp view units as select * from read_parquet('{loaded}/units/*.parquet');
create or replace temp view people as select * from read_parquet('{loaded}/people/*.parquet');
create or replace temp view appraisals as select * from read_parquet('{loaded}/appraisals/*.parquet');

create or replace temp table postings as
select
    posting_id, person_id, org_level, township_code, county_code,
    coalesce(is_leadership, false) or coalesce(is_chief, false) as is_lead,
    coalesce(is_chief, false) as is_chief,
    coalesce(is_secondment, false) as is_secondment,
    org_level = 'township' as is_township,
    start_date, end_date, end_reason
from read_parquet('{loaded}/postings/*.parquet');

-- Merged township work and township leadership spans (touching or overlapping postings count once).
create or replace temp table spans as
with kinds as (
    select person_id, 'township' as kind, start_date, coalesce(end_date, date '9999-12-31') as end_date
    from postings where is_township
    union all
    select person_id, 'leadership', start_date, coalesce(end_date, date '9999-12-31')
    from postings where is_township and is_lead
),
marked as (
    select *, max(end_date) over (partition by person_id, kind order by start_date, end_date
                                  rows between unbounded preceding and 1 preceding) as before_end
    from kinds
),
numbered as (
    select *, sum(case when before_end is null or before_end < start_date then 1 else 0 end)
        over (partition by person_id, kind order by start_date, end_date rows unbounded preceding) as span
    from marked
)
select person_id, kind, min(start_date) as span_start, max(end_date) as span_end
from numbered group by person_id, kind, span;

create or replace temp table findings as
with
facts as (
    select
        t.township_code, t.is_small, t.is_developed_town, t.approved_leader_posts,
        count(*) filter (where u.unit_kind = 'office') as offices,
        count(*) filter (where u.unit_kind = 'post') as posts,
        count(*) filter (where u.unit_kind = 'station') as stations,
        count(*) filter (where u.unit_kind in ('office', 'institute', 'station', 'center')) as bodies
    from townships t
    left join units u on u.township_code = t.township_code
        and u.established_on <= $as_of and (u.abolished_on is null or u.abolished_on > $as_of)
    group by all
),
team as (
    select distinct p.township_code, p.person_id
    from postings p
    where p.is_township and p.is_lead and p.start_date <= $as_of and (p.end_date is null or p.end_date > $as_of)
),
team_days as (
    select team.township_code, team.person_id,
        coalesce(sum(date_diff('day', s.span_start, least(s.span_end, $as_of)))
                 filter (where s.span_start < $as_of), 0) as township_days
    from team left join spans s on s.person_id = team.person_id and s.kind = 'township'
    group by all
),
social as (
    select p.township_code, count(distinct p.person_id) as workers
    from postings p join people on people.person_id = p.person_id
    where p.is_township and people.staff_category = 'social_worker'
        and p.start_date <= $as_of and (p.end_date is null or p.end_date > $as_of)
    group by all
),
chiefs as (
    select p.posting_id, p.person_id, p.township_code, p.start_date, p.end_date, p.end_reason,
        coalesce(sum(date_diff('day', s.span_start, least(s.span_end, p.start_date)))
                 filter (where s.kind = 'township' and s.span_start < p.start_date), 0) as township_days,
        coalesce(sum(date_diff('day', s.span_start, least(s.span_end, p.start_date)))
                 filter (where s.kind = 'leadership' and s.span_start < p.start_date), 0) as leadership_days
    from postings p left join spans s on s.person_id = p.person_id
    where p.is_township and p.is_chief
    group by all
),
sequenced as (
    select *,
        lead(org_level) over w as to_level, lead(township_code) over w as to_township,
        lead(county_code) over w as to_county, lead(start_date) over w as to_start,
        lead(posting_id) over w as to_posting
    from postings where not is_secondment
    window w as (partition by person_id order by start_date, posting_id)
),
last_township as (
    select person_id, township_code, county_code,
        row_number() over (partition by person_id order by start_date desc, posting_id desc) as rank
    from postings where is_township and not is_secondment
),
events as (
    select person_id, 'move' as kind, township_code, county_code, to_start as event_on,
        coalesce(to_level = 'township' and to_county = county_code, false) as to_same_county_township
    from sequenced
    where is_township and to_posting is not null and (to_level <> 'township' or to_township <> township_code)
    union all
    select s.person_id, 'resignation', coalesce(case when s.is_township then s.township_code end, l.township_code),
        coalesce(case when s.is_township then s.county_code end, l.county_code), s.end_date, false
    from sequenced s left join last_township l on l.person_id = s.person_id and l.rank = 1
    where s.to_posting is null and s.end_reason = 'resignation' and s.end_date is not null
),
recruits as (
    select person_id, township_code as recruitment_township, recruited_on from (
        select people.person_id, p.township_code, people.recruited_on,
            row_number() over (partition by people.person_id order by p.start_date desc, p.posting_id) as rank
        from people join postings p on p.person_id = people.person_id
            and p.is_township and not p.is_secondment
            and p.start_date <= people.recruited_on and (p.end_date is null or p.end_date > people.recruited_on)
        where people.staff_category = 'civil_servant' and people.recruited_on is not null
    ) where rank = 1
),
-- Newly recruited in a 赣州 township on or after the rules' in-force date; their moves and resignations on or after
-- recruitment, up to the as-of date, from a 赣州 township on or after the in-force date.
recruit_events as (
    select e.*, r.recruited_on
    from events e join recruits r on r.person_id = e.person_id
    where r.recruitment_township like '{ganzhou}%' and r.recruited_on >= date '2018-01-01'
        and e.event_on >= r.recruited_on and e.event_on <= $as_of
        and e.township_code like '{ganzhou}%' and e.event_on >= date '2018-01-01'
),
secondments as (
    select s.person_id, s.start_date, h.township_code,
        row_number() over (partition by s.posting_id order by
            case when h.start_date <= s.start_date and (h.end_date is null or h.end_date > s.start_date) then 0 else 1 end,
            h.start_date desc, h.posting_id) as rank
    from postings s join postings h on h.person_id = s.person_id and h.is_township and not h.is_secondment
        and h.start_date <= s.start_date
    where s.is_secondment and s.org_level in ('county', 'city', 'province') and s.start_date <= $as_of
),
tallies as (
    select a.township_code, a.year,
        count(*) filter (where a.grade <> 'not_graded') as graded,
        count(*) filter (where a.grade = 'excellent') as excellent
    from appraisals a join people on people.person_id = a.person_id
    where people.staff_category = 'civil_servant'
    group by all
),
person_findings as (
    select 'STAFF_TRANSFER_LOCK' as rule_id, township_code, person_id
    from recruit_events
    where kind = 'move' and event_on < recruited_on + interval 2 year
    union all
    select 'STAFF_MIN_SERVICE', township_code, person_id
    from recruit_events
    where event_on < recruited_on + interval 5 year
        and (kind = 'resignation'
             or (event_on >= recruited_on + interval 2 year and not to_same_county_township))
    union all
    select 'STAFF_SECONDMENT', township_code, person_id
    from secondments
    where rank = 1 and township_code like '{ganzhou}%' and start_date >= date '2018-01-01'
    union all
    select 'LEAD_CHIEF_EXPERIENCE', township_code, person_id
    from chiefs
    where township_code like '{ganzhou}%' and start_date >= date '2018-01-01' and start_date <= $as_of
        and leadership_days < 2 * 365 and township_days < 3 * 365
    union all
    select 'LEAD_CHIEF_TERM', township_code, person_id
    from chiefs
    where township_code like '{ganzhou}%' and end_date is not null and end_date <= $as_of
        and end_date >= date '2018-01-01' and end_date < start_date + interval 5 year
        and coalesce(end_reason, 'other') not in ('retirement', 'dismissal', 'death')
)
select 'ORG_OFFICE_COUNT' as rule_id, township_code, null::varchar as person_id, null::integer as period from facts
where township_code like '{ganzhou}%' and $as_of >= date '2018-01-01'
    and ((offices < 3 and not (is_small and posts >= 1)) or offices > 5)
union all
select 'ORG_STATION_MAX', township_code, null, null from facts
where township_code like '{ganzhou}%' and $as_of >= date '2018-01-01' and stations > 7
union all
select 'ORG_DEVELOPED_TOWN_BODIES', township_code, null, null from facts
where township_code like '{jiangsu}%' and $as_of >= date '2017-08-25' and is_developed_town and bodies > 10
union all
select 'STAFF_OVER_LEADER_QUOTA', f.township_code, null, null
from facts f left join (select township_code, count(*) as members from team group by all) m using (township_code)
where f.township_code like '{jiangsu}%' and $as_of >= date '2017-08-25'
    and f.approved_leader_posts is not null and coalesce(m.members, 0) > f.approved_leader_posts
union all
select 'STAFF_SOCIAL_WORKERS', f.township_code, null, null
from facts f left join social s using (township_code)
where f.township_code like '{ganzhou}%' and $as_of >= date '2020-12-31' and coalesce(s.workers, 0) < 3
union all
select 'LEAD_TEAM_EXPERIENCE', township_code, null, null from (
    select township_code, count(*) as members, count(*) filter (where township_days >= 2 * 365) as experienced
    from team_days group by all
)
where township_code like '{ganzhou}%' and $as_of >= date '2018-01-01' and 3 * experienced < 2 * members
union all
select 'APPR_EXCELLENT_RATIO', township_code, null, year from tallies
where township_code like '{ganzhou}%' and make_date(year, 12, 31) >= date '2018-01-01'
    and make_date(year, 12, 31) <= $as_of and 100 * excellent > 20 * graded
union all
select distinct rule_id, township_code, person_id, null from person_findings;
"""
"""One violation per (rule, township, person, period): person rules keep one row per key (`distinct`), which is
all the checker's "earliest event per key" leaves once the message is not needed."""


def peer_findings(loaded: Path, as_of: date) -> tuple[pl.DataFrame, float]:
    """The peer's findings (keys only, loaded townships only) and its wall time in seconds."""
    started = time.perf_counter()
    sql = SQL.format(loaded=str(loaded.resolve()).replace("'", "''"), ganzhou=GANZHOU, jiangsu=JIANGSU)
    with duckdb.connect() as con:
        for statement in (s for s in sql.split(";\n") if s.strip()):
            con.execute(statement, {"as_of": as_of} if "$as_of" in statement else None)
        frame = con.sql(
            "select rule_id, township_code, person_id, period from findings "
            "where township_code in (select township_code from townships) "
            "order by rule_id, township_code, person_id nulls first, period nulls first"
        ).pl()
    return frame, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("loaded", type=Path)
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    frame, seconds = peer_findings(args.loaded, args.as_of)
    if args.out:
        frame.write_parquet(args.out)
    print(f"{frame.height} findings in {seconds:.2f} s")


if __name__ == "__main__":
    main()
