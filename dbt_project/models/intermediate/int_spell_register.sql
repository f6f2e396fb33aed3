-- Register background as of the spell start (docs/architecture.md: the person_year row of
-- year(spell_start) - 1; age in whole years on spell_start). Only what is known at the start.
with person_year as (
    select * from {{ ref('stg_register__person_year') }}
),

support_3y as (
    select s.spell_key, sum(h.weeks_public_support) as weeks_public_support_3y
    from {{ ref('int_spells') }} as s
    inner join person_year as h
        on h.person_key = s.person_key
       and h.year between year(s.spell_start) - 3 and year(s.spell_start) - 1
    group by s.spell_key
)

select
    s.spell_key,
    p.birth_date,
    p.sex,
    p.origin,
    {{ age_in_years('p.birth_date', 's.spell_start') }} as age_at_start,
    py.education_level,
    py.education_vocational,
    py.graduation_date,
    py.children_in_custody,
    py.wage_income as wage_income_last_year,
    py.industry,
    py.weeks_public_support as weeks_public_support_last_year,
    w.weeks_public_support_3y
from {{ ref('int_spells') }} as s
left join {{ ref('stg_register__persons') }} as p
    on p.person_key = s.person_key
left join person_year as py
    on py.person_key = s.person_key
   and py.year = year(s.spell_start) - 1
left join support_3y as w
    on w.spell_key = s.spell_key
