{#-
  The clock (domain.md "Clock", docs/architecture.md "Shared definitions"): cumulative dagpenge
  hours of a spell at a date D = every payment month before D's month in full, plus D's month's
  hours x (days of that month inside the spell up to and including D) / (days of that month
  inside the spell). Before the spell start it is 0; after the last payment month it is the
  spell's total.

  Set-based: one ASOF join per (spell, date) pair onto int_spell_months, whose running sums
  (hours_before, cum_hours) make each lookup O(log n) instead of a correlated sum.

  Usage:
      select ..., {{ clock_hours('c.conversation_date') }} as clock_hours
      from conversations c
      {{ clock_join('c.spell_key', 'c.conversation_date') }}
-#}
{% macro clock_join(spell_key, at_date, alias='clock_month') -%}
asof left join {{ ref('int_spell_months') }} as {{ alias }}
    on {{ alias }}.spell_key = {{ spell_key }}
   and {{ alias }}.paid_month <= {{ at_date }}
{%- endmacro %}

{% macro clock_hours(at_date, alias='clock_month') -%}
(case
    when {{ alias }}.spell_key is null then 0.0
    -- D's month has passed (or D is its last day in the spell): every month up to here in full,
    -- from the exact running sum
    when {{ at_date }} >= {{ alias }}.last_day_in_spell then {{ alias }}.cum_hours
    -- hours x (share of the month's days in the spell passed by D)
    else {{ alias }}.hours_before
        + {{ alias }}.hours
          * (greatest(datediff('day', {{ alias }}.first_day, {{ at_date }}) + 1, 0) / {{ alias }}.n_days)
end)
{%- endmacro %}

{#- Unit conversions of the clock (domain.md: 37 hours = 1 week, 160.33 hours = 1 month). -#}
{% macro hours_to_weeks(hours) -%}
({{ hours }} / {{ var('hours_per_week') }})
{%- endmacro %}

{% macro hours_to_months(hours) -%}
({{ hours }} / {{ var('hours_per_month') }})
{%- endmacro %}

{#- Inclusive range test on the clock, for rule windows given as [low, high] vars. -#}
{% macro in_range(value, bounds) -%}
({{ value }} between {{ bounds[0] }} and {{ bounds[1] }})
{%- endmacro %}
