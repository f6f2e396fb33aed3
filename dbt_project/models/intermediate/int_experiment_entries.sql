-- One row per entry into the a-kasse experiment (R-AK-1, R-AK-2), with the exit that follows
-- it (R-AK-3) and the person's spell in force at the entry date.
with events as (
    select * from {{ ref('stg_dfdg__experiment_membership') }}
),

entries as (
    select event_id, person_key, event_date as entry_date, akasse_code, municipality_code
    from events
    where event_type = 'indtraeden'
),

exits as (
    select person_key, event_date as exit_date, reason as exit_reason
    from events
    where event_type = 'udtraeden'
),

with_exit as (
    select e.*, x.exit_date, x.exit_reason
    from entries as e
    asof left join exits as x
        on x.person_key = e.person_key
       and x.exit_date >= e.entry_date
)

select
    w.event_id,
    w.person_key,
    w.entry_date,
    {{ month_of('w.entry_date') }} as entry_month,
    w.akasse_code,
    w.municipality_code,
    w.exit_date,
    w.exit_reason,
    s.spell_key
from with_exit as w
cross join {{ ref('int_delivery_period') }} as d
left join {{ ref('int_spells') }} as s
    on s.person_key = w.person_key
   and w.entry_date between s.spell_start and coalesce(s.spell_end, d.newest_month_end)
