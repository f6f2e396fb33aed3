{{ incremental_person_config() }}
-- depends_on: {{ ref('int_person_activity') }}
-- One row per spell and payment month, with the hours that belong to the spell and the
-- running sums the clock reads (macros/clock.sql). A month shared by two spells of a person
-- (the next placement falls inside it) is split by days: each spell gets the month's hours x
-- its days in the month / the month's days (docs/architecture.md, Shared definitions).
-- Running sums are exact (DECIMAL): payments carry 2 decimals, so a spell reaching exactly
-- 410 hours (R-AK-6) must not miss it by a floating-point rounding of the sum.
with spell_months as (
    select
        s.spell_key,
        s.person_key,
        p.paid_month,
        last_day(p.paid_month) as month_end,
        greatest(p.paid_month, s.spell_start) as first_day,
        least(last_day(p.paid_month), coalesce(s.spell_end, last_day(p.paid_month))) as last_day_in_spell,
        p.hours as month_hours
    from {{ ref('int_spells') }} as s
    inner join {{ ref('int_paid_months') }} as p
        on p.person_key = s.person_key
       and p.paid_month between {{ month_of('s.spell_start') }}
                            and least(s.last_paid_month, coalesce({{ month_of('s.spell_end') }}, s.last_paid_month))
    where true {{ only_changed_persons('s.person_key') }}
),

split as (
    select
        *,
        datediff('day', first_day, last_day_in_spell) + 1 as n_days,
        count(*) over (partition by person_key, paid_month) as n_spells_in_month
    from spell_months
),

hours as (
    select
        spell_key,
        person_key,
        paid_month,
        month_end,
        first_day,
        last_day_in_spell,
        n_days,
        month_hours,
        -- only a shared month is split, so an unshared month keeps its hours exactly
        case when n_spells_in_month = 1 then month_hours
             else month_hours * n_days / day(month_end) end as hours
    from split
)

select
    *,
    row_number() over w as month_number,
    cast(coalesce(sum(cast(hours as decimal(38, 10))) over (w rows between unbounded preceding and 1 preceding), 0)
        as double) as hours_before,
    cast(sum(cast(hours as decimal(38, 10))) over (w rows between unbounded preceding and current row)
        as double) as cum_hours,
    {{ build_state_columns() }}
from hours
window w as (partition by spell_key order by paid_month)
