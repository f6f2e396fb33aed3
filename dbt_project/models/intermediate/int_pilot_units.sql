-- The pilot project's units (R-PILOT-1, R-PILOT-2; docs/architecture.md "fct_pilot_intake"):
-- every spell, with its reference date (the pilot intake for a participant, else the first
-- profile assessment inside the spell), newly-unemployed status and registered risk.
with spells as (
    select s.*, coalesce(s.spell_end, d.newest_month_end) as linked_until
    from {{ ref('int_spells') }} as s
    cross join {{ ref('int_delivery_period') }} as d
),

intakes as (
    select s.spell_key, min(p.intake_date) as pilot_intake_date
    from spells as s
    inner join {{ ref('stg_dfdg__pilot_participation') }} as p
        on p.person_key = s.person_key
       and p.intake_date between s.spell_start and s.linked_until
    group by s.spell_key
),

assessments as (
    select s.spell_key, a.assessment_id, a.assessed_at, a.risk_assessment
    from spells as s
    inner join {{ ref('stg_dfdg__profile_assessments') }} as a
        on a.person_key = s.person_key
       and a.assessed_at between s.spell_start and s.linked_until
),

first_assessment as (
    select spell_key, min(assessed_at) as first_assessed_at
    from assessments
    group by spell_key
),

referenced as (
    select
        s.spell_key,
        s.person_key,
        s.spell_start,
        s.spell_start between '{{ var("pilot_start") }}' and '{{ var("pilot_end") }}' as in_pilot_period,
        i.pilot_intake_date,
        coalesce(i.pilot_intake_date, f.first_assessed_at) as reference_date
    from spells as s
    left join intakes as i using (spell_key)
    left join first_assessment as f using (spell_key)
),

-- R-PILOT-1: public income support other than SU in the 49 days before the start
supported_before as (
    select distinct r.spell_key
    from referenced as r
    inner join {{ ref('stg_register__income_support_periods') }} as p
        on p.person_key = r.person_key
       and p.support_type <> 'su'
       and p.from_date <= r.spell_start - 1
       and p.to_date >= r.spell_start - {{ var('pilot_min_self_supporting_days') }}
),

-- R-PILOT-1: dagpenge (an earlier spell) in the 49 days before the start
recent_prior_spell as (
    select distinct r.spell_key
    from referenced as r
    inner join spells as e
        on e.person_key = r.person_key
       and e.spell_start < r.spell_start
       and e.linked_until >= r.spell_start - {{ var('pilot_min_self_supporting_days') }}
),

-- R-PILOT-2: the registered assessment in force at the reference date
risk_at_reference as (
    select a.spell_key, a.risk_assessment
    from assessments as a
    inner join referenced as r using (spell_key)
    where a.assessed_at <= r.reference_date
    qualify row_number() over (
        partition by a.spell_key order by a.assessed_at desc, a.assessment_id desc
    ) = 1
),

clocked as (
    select r.*, {{ clock_hours('r.reference_date') }} as hours_at_reference
    from referenced as r
    {{ clock_join('r.spell_key', 'r.reference_date') }}
)

select
    c.spell_key,
    c.in_pilot_period,
    c.pilot_intake_date,
    c.pilot_intake_date is not null as pilot_participant,
    c.reference_date,
    c.hours_at_reference,
    case when c.reference_date is not null then
        sb.spell_key is null
        and rp.spell_key is null
        and c.hours_at_reference <= {{ var('pilot_max_used_hours') }}
    end as is_newly_unemployed,
    case when c.reference_date is not null then coalesce(rr.risk_assessment = 'hoej_risiko', false) end
        as assessed_at_risk
from clocked as c
left join supported_before as sb using (spell_key)
left join recent_prior_spell as rp using (spell_key)
left join risk_at_reference as rr using (spell_key)
