{#- The contract's time arithmetic (section 2) gives the same dates on every engine: the N-year anniversary is
    `date + interval N year`, so 29 February lands on 28 February in a year without one and on 29 February in a
    leap year; a day count is end − start across 29 February; an appraisal year happens on its 31 December.
    A data test, so it runs in every build, on DuckDB and on Spark alike; it returns the cases that differ. -#}
with anniversaries as (
    select cast('2020-02-29' as date) as start_on, 1 as years, cast('2021-02-28' as date) as expected
    union all select cast('2020-02-29' as date), 2, cast('2022-02-28' as date)
    union all select cast('2020-02-29' as date), 4, cast('2024-02-29' as date)
    union all select cast('2020-02-29' as date), 5, cast('2025-02-28' as date)
    union all select cast('2019-02-28' as date), 1, cast('2020-02-28' as date)
    union all select cast('2023-02-28' as date), 1, cast('2024-02-28' as date)
    union all select cast('2019-03-01' as date), 1, cast('2020-03-01' as date)
    union all select cast('2021-12-31' as date), 2, cast('2023-12-31' as date)
    union all select cast('2024-01-31' as date), 5, cast('2029-01-31' as date)
),

day_counts as (
    select cast('2020-02-28' as date) as start_on, cast('2020-03-01' as date) as end_on, 2 as expected
    union all select cast('2019-02-28' as date), cast('2019-03-01' as date), 1
    union all select cast('2020-02-29' as date), cast('2022-02-28' as date), 730
    union all select cast('2020-02-29' as date), cast('2020-02-29' as date), 0
    union all select cast('2016-02-29' as date), cast('2021-02-28' as date), 1826
),

year_ends as (
    select 2024 as appraisal_year, cast('2024-12-31' as date) as expected
    union all select 2023, cast('2023-12-31' as date)
)

select 'anniversary' as arithmetic, cast(start_on as {{ dbt.type_string() }}) as given, cast(years as {{ dbt.type_string() }}) as by_amount
from anniversaries
where {{ anniversary('start_on', 'years') }} <> expected
union all
select 'days_between', cast(start_on as {{ dbt.type_string() }}), cast(end_on as {{ dbt.type_string() }})
from day_counts
where {{ days_between('start_on', 'end_on') }} <> expected
union all
select 'year_end', cast(appraisal_year as {{ dbt.type_string() }}), ''
from year_ends
where {{ year_end('appraisal_year') }} <> expected
