{{ incremental_person_config() }}
-- depends_on: {{ ref('int_person_activity') }}
-- One row per spell and payment month: the hours that belong to the spell (a month shared
-- by two spells split by days) and the clock at the month's end (domain.md "Clock").
-- is_transfer_month marks the first month with cumulative hours >= 410 (R-AK-6).
select
    m.spell_key,
    m.person_key,
    m.paid_month,
    m.month_number,
    m.first_day,
    m.last_day_in_spell,
    m.n_days,
    m.month_hours,
    m.hours,
    m.hours_before,
    m.cum_hours,
    {{ hours_to_weeks('m.cum_hours') }} as cum_weeks,
    {{ hours_to_months('m.cum_hours') }} as cum_months,
    coalesce(m.paid_month = t.transfer_month, false) as is_transfer_month,
    {{ build_state_columns() }}
from {{ ref('int_spell_months') }} as m
left join {{ ref('int_spell_transfer') }} as t using (spell_key)
where true {{ only_changed_persons('m.person_key') }}
