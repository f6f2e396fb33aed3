-- Long-term unemployment label (domain.md "Long-term unemployment"): ltu = 1 when the clock
-- at spell_start + 364 days is >= 1539.2 hours; censored (ltu NULL) when that day lies after
-- the newest delivered month. ltu_26w the same with 182 days and 769.6 hours.
with horizons as (
    select
        s.spell_key,
        s.spell_start + {{ var('ltu_horizon_days') }} as horizon_date,
        s.spell_start + {{ var('ltu_short_horizon_days') }} as short_horizon_date,
        d.newest_month_end
    from {{ ref('int_spells') }} as s
    cross join {{ ref('int_delivery_period') }} as d
),

clocked as (
    select
        h.spell_key,
        h.horizon_date > h.newest_month_end as censored,
        h.short_horizon_date > h.newest_month_end as censored_26w,
        {{ clock_hours('h.horizon_date', 'long_month') }} as hours_at_horizon,
        {{ clock_hours('h.short_horizon_date', 'short_month') }} as hours_at_short_horizon
    from horizons as h
    {{ clock_join('h.spell_key', 'h.horizon_date', 'long_month') }}
    {{ clock_join('h.spell_key', 'h.short_horizon_date', 'short_month') }}
)

select
    spell_key,
    hours_at_horizon,
    hours_at_short_horizon,
    case when not censored then (hours_at_horizon >= {{ var('ltu_threshold_hours') }})::integer end as ltu,
    case when not censored_26w then (hours_at_short_horizon >= {{ var('ltu_short_threshold_hours') }})::integer end
        as ltu_26w,
    censored
from clocked
