-- R-JOINT-4 official joint-conversation indicators per calendar month (docs/architecture.md,
-- Indicator definitions 2): the population is the spells active at the month's end whose
-- clock then lies in the population range; the numerator those with a linked k-th joint
-- conversation dated <= month end inside its counting window (int_spell_conversations).
-- Active at month end means the month is one of the spell's payment months and the spell has
-- not ended before the month's last day, so the clock at month end is the month's clock.
{%- set units = [['jobcenter', 'jobcenter_unit'], ['akasse', 'akasse_unit']] %}
{%- set populations = {1: var('joint_1_population_months'), 2: var('joint_2_population_months'), 3: var('joint_3_population_months')} %}
with active as (
    select
        m.paid_month as month,
        m.month_end,
        {{ hours_to_months(clock_hours('m.month_end', 'm')) }} as clock_months,
        cast(s.jobcenter_code as varchar) as jobcenter_unit,
        s.akasse_code as akasse_unit,
        c.joint_1_counting_date,
        c.joint_2_counting_date,
        c.joint_3_counting_date
    from {{ ref('int_spell_months') }} as m
    inner join {{ ref('int_spells') }} as s using (spell_key)
    left join {{ ref('int_spell_conversations') }} as c using (spell_key)
    where s.spell_end is null or s.spell_end >= m.month_end
),

flagged as (
    select
        *,
        {%- for k, bounds in populations.items() %}
        {{ in_range('clock_months', bounds) }} as in_population_{{ k }},
        coalesce(joint_{{ k }}_counting_date <= month_end, false) as has_conversation_{{ k }},
        {%- endfor %}
    from active
),

aggregated as (
    select
        month,
        {{ indicator_level_columns(units) }},
        {%- for k in populations %}
        count(*) filter (where in_population_{{ k }}) as joint_{{ k }}_population,
        count(*) filter (where in_population_{{ k }} and has_conversation_{{ k }}) as joint_{{ k }}_with_conversation{{ ',' if not loop.last }}
        {%- endfor %}
    from flagged
    where in_population_1 or in_population_2 or in_population_3
    group by {{ indicator_grouping_sets(units) }}
)

select
    cast(month as date) as month,
    cast(level as varchar) as level,
    cast(unit_code as varchar) as unit_code,
    {%- for k in populations %}
    cast(joint_{{ k }}_population as bigint) as joint_{{ k }}_population,
    cast(joint_{{ k }}_with_conversation as bigint) as joint_{{ k }}_with_conversation,
    {{ safe_ratio('joint_' ~ k ~ '_with_conversation', 'joint_' ~ k ~ '_population') }} as joint_{{ k }}_share{{ ',' if not loop.last }}
    {%- endfor %}
from aggregated
