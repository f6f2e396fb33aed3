-- Per spell: the first conversation of each kind and the counts the rules need
-- (R-AK-5 CV, R-JOINT-1/2/4 joint conversations, R-AK-8/9 a-kasse contact course).
-- Ties on a date are broken by conversation_id so the choice is deterministic.
select
    spell_key,
    min(conversation_date) as first_conversation_date,
    min(conversation_date) filter (where conversation_type = 'cv') as cv_date,
    {%- for k in [1, 2, 3] %}
    min(conversation_date) filter (where joint_number = {{ k }}) as joint_{{ k }}_date,
    first(in_rule_window order by conversation_date, conversation_id)
        filter (where joint_number = {{ k }}) as joint_{{ k }}_in_window,
    first(akasse_participation order by conversation_date, conversation_id)
        filter (where joint_number = {{ k }}) as joint_{{ k }}_participation,
    min(conversation_date) filter (where joint_number = {{ k }} and in_counting_window)
        as joint_{{ k }}_counting_date,
    {%- endfor %}
    count(*) filter (where is_akasse_contact_conversation and in_first_period) as n_contact_conversations_3m,
    count(*) filter (where conversation_type = 'kontaktforloeb' and held_by = 'akasse') > 0
        as has_akasse_contact_course
from {{ ref('int_conversations_linked') }}
where spell_key is not null
group by spell_key
