-- One row per dagpenge spell (docs/architecture.md "fct_contact_courses"): the contact
-- course with every rule's outcome. Each rule is computed once upstream (int_*) and cites
-- its id there; this model only assembles.
with experiment as (
    -- R-AK-1..3: the first experiment entry during the spell
    select *
    from {{ ref('int_experiment_entries') }}
    where spell_key is not null
    qualify row_number() over (partition by spell_key order by entry_date, event_id) = 1
)

select
    s.spell_key,
    s.person_key,
    s.spell_start,
    s.spell_end,
    s.akasse_code,
    s.municipality_code,
    s.jobcenter_code,
    s.placement_reason,
    s.is_graduate,
    r.age_at_start,
    coalesce(t.total_hours, 0.0) as total_hours,
    t.transfer_410_date,
    t.transfer_month,
    e.event_id is not null as is_experiment_member,
    e.akasse_code as experiment_akasse_code,
    e.entry_date as experiment_entry_date,
    e.exit_date as experiment_exit_date,
    e.exit_reason as experiment_exit_reason,
    c.cv_date,
    coalesce(c.cv_date <= s.spell_start + {{ var('cv_within_days') }}, false) as cv_within_14_days,
    {%- for k in [1, 2, 3] %}
    c.joint_{{ k }}_date,
    c.joint_{{ k }}_in_window,
    c.joint_{{ k }}_participation,
    {%- endfor %}
    coalesce(c.n_contact_conversations_3m, 0) as n_contact_conversations_3m,
    -- R-AK-8: under 25 without vocational education and without children in custody
    coalesce(
        r.age_at_start < {{ var('young_age_limit') }}
        and not r.education_vocational
        and r.children_in_custody = 0,
        false
    ) as under25_rule_applies,
    -- followed = the contact course stayed in the jobcenter: no a-kasse contact-course conversation
    case when under25_rule_applies then not coalesce(c.has_akasse_contact_course, false) end
        as under25_rule_followed,
    p.is_newly_unemployed,
    p.assessed_at_risk,
    coalesce(p.in_pilot_period and p.is_newly_unemployed and p.assessed_at_risk, false) as pilot_target,
    p.pilot_participant,
    p.pilot_intake_date,
    l.ltu,
    l.ltu_26w,
    l.censored
from {{ ref('int_spells') }} as s
left join {{ ref('int_spell_register') }} as r using (spell_key)
left join {{ ref('int_spell_transfer') }} as t using (spell_key)
left join experiment as e using (spell_key)
left join {{ ref('int_spell_conversations') }} as c using (spell_key)
left join {{ ref('int_pilot_units') }} as p using (spell_key)
left join {{ ref('int_spell_labels') }} as l using (spell_key)
