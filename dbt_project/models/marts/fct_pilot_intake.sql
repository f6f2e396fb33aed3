-- The pilot project's target group and intake (R-PILOT-1, R-PILOT-2) per month of the
-- reference date (int_pilot_units), by the spell's jobcentre and nationally, for spells
-- starting in the pilot period (R-PILOT-4).
{%- set units = [['jobcenter', 'jobcenter_unit']] %}
with intake_units as (
    select
        {{ month_of('p.reference_date') }} as month,
        cast(c.jobcenter_code as varchar) as jobcenter_unit,
        c.pilot_target,
        c.pilot_participant,
        r.age_at_start >= {{ var('senior_age') }} as is_senior,
        r.origin = 'ikke_vestlig' as is_non_western,
        s.spell_number > 1 as has_prior_unemployment,
        r.education_level in ('grundskole', 'gymnasial') as has_short_education
    from {{ ref('int_pilot_units') }} as p
    inner join {{ ref('fct_contact_courses') }} as c using (spell_key)
    inner join {{ ref('int_spells') }} as s using (spell_key)
    left join {{ ref('int_spell_register') }} as r using (spell_key)
    where p.in_pilot_period
      and p.reference_date is not null
      and (c.pilot_target or c.pilot_participant)
),

aggregated as (
    select
        month,
        {{ indicator_level_columns(units) }},
        count(*) filter (where pilot_target) as n_target,
        count(*) filter (where pilot_target and pilot_participant) as n_target_participants,
        count(*) filter (where pilot_participant) as n_participants,
        count(*) filter (where pilot_target and is_senior) as n_senior_50plus,
        count(*) filter (where pilot_target and is_non_western) as n_non_western,
        count(*) filter (where pilot_target and has_prior_unemployment) as n_prior_unemployment,
        count(*) filter (where pilot_target and has_short_education) as n_short_education
    from intake_units
    group by {{ indicator_grouping_sets(units) }}
)

select
    cast(month as date) as month,
    cast(level as varchar) as level,
    cast(unit_code as varchar) as unit_code,
    cast(n_target as bigint) as n_target,
    cast(n_target_participants as bigint) as n_target_participants,
    cast(n_participants as bigint) as n_participants,
    cast(n_senior_50plus as bigint) as n_senior_50plus,
    cast(n_non_western as bigint) as n_non_western,
    cast(n_prior_unemployment as bigint) as n_prior_unemployment,
    cast(n_short_education as bigint) as n_short_education
from aggregated
