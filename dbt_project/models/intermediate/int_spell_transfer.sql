-- R-AK-6: the transfer month is the first payment month whose cumulative hours reach 410;
-- transfer_410_date is the day inside it on which the clock (macros/clock.sql) reaches 410.
with first_month as (
    select
        spell_key,
        paid_month as transfer_month,
        first_day,
        n_days,
        hours,
        hours_before
    from {{ ref('int_spell_months') }}
    where cum_hours >= {{ var('transfer_hours') }}
    qualify row_number() over (partition by spell_key order by paid_month) = 1
)

select
    spell_key,
    transfer_month,
    -- smallest day count k with hours_before + hours * k / n_days >= 410
    cast(first_day + cast(greatest(least(
        ceil(({{ var('transfer_hours') }} - hours_before) * n_days / hours), n_days), 1) as integer) - 1 as date)
        as transfer_410_date,
    total.total_hours
from first_month
right join (
    select spell_key, max(cum_hours) as total_hours
    from {{ ref('int_spell_months') }}
    group by spell_key
) as total using (spell_key)
