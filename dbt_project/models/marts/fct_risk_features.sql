-- The risk model's feature mart (docs/architecture.md "The feature mart"): one row per spell,
-- features known at the spell start only (domain.md "Features"), and the labels. The
-- questionnaire answers count when given from spell_start - 60 days up to the first
-- conversation of the spell; the funds' own questions (AK..) never enter (R-PROF-3).
{%- set questions = ['Q01', 'Q02', 'Q03', 'Q04', 'Q05', 'Q06', 'Q07', 'Q08', 'Q09', 'Q10'] %}
with spells as (
    select
        s.*,
        coalesce(c.first_conversation_date, s.spell_end, d.newest_month_end) as answers_until
    from {{ ref('int_spells') }} as s
    cross join {{ ref('int_delivery_period') }} as d
    left join {{ ref('int_spell_conversations') }} as c using (spell_key)
),

answers as (
    -- the latest answer to each standard question inside the window
    select s.spell_key, a.question_code, a.answer_code
    from spells as s
    inner join {{ ref('stg_dfdg__questionnaire_answers') }} as a
        on a.person_key = s.person_key
       and a.answered_at between s.spell_start - 60 and s.answers_until
       and not a.is_fund_question
    qualify row_number() over (
        partition by s.spell_key, a.question_code order by a.answered_at desc, a.answer_id desc
    ) = 1
),

pivoted as (
    select
        spell_key,
        {%- for q in questions %}
        any_value(answer_code) filter (where question_code = '{{ q }}') as {{ q | lower }}{{ ',' if not loop.last }}
        {%- endfor %}
    from answers
    group by spell_key
)

select
    s.spell_key,
    s.person_key,
    s.spell_start,
    year(s.spell_start) as cohort,
    s.jobcenter_code,
    s.akasse_code,
    r.age_at_start as age,
    r.sex,
    r.origin,
    r.education_level,
    r.education_vocational,
    s.is_graduate,
    case when r.graduation_date <= s.spell_start then {{ age_in_years('r.graduation_date', 's.spell_start') }} end
        as years_since_graduation,
    r.children_in_custody,
    r.wage_income_last_year,
    r.industry,
    r.weeks_public_support_last_year,
    r.weeks_public_support_3y,
    s.spell_number - 1 as prior_spells,
    s.placement_reason,
    {%- for q in questions %}
    p.{{ q | lower }},
    {%- endfor %}
    l.ltu,
    l.ltu_26w,
    l.censored
from spells as s
left join {{ ref('int_spell_register') }} as r using (spell_key)
left join pivoted as p using (spell_key)
left join {{ ref('int_spell_labels') }} as l using (spell_key)
