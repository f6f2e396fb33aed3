-- The a-kasse experiment's minimum activities (R-AK-5, R-AK-6, R-AK-8, R-AK-9) per month of
-- the experiment entry, by a-kasse and municipality of the entry, and nationally. One unit per
-- entry (int_experiment_entries), judged on the person's spell in force at the entry date;
-- an entry outside any spell has no contact course to judge and is left out.
{%- set units = [['akasse', 'akasse_unit'], ['municipality', 'municipality_unit']] %}
with members as (
    select
        e.entry_month as month,
        e.akasse_code as akasse_unit,
        cast(e.municipality_code as varchar) as municipality_unit,
        c.cv_date is not null as cv_registered,
        coalesce(c.cv_within_14_days, false) as cv_within_14_days,
        coalesce(c.n_contact_conversations_3m, 0) as n_contact_conversations_3m,
        c.transfer_month is not null as transferred_410,
        coalesce(c.under25_rule_applies, false) as under25_rule_applies,
        coalesce(c.under25_rule_followed, false) as under25_rule_followed
    from {{ ref('int_experiment_entries') }} as e
    inner join {{ ref('fct_contact_courses') }} as c using (spell_key)
),

aggregated as (
    select
        month,
        {{ indicator_level_columns(units) }},
        count(*) as n_members,
        count(*) filter (where cv_registered) as n_cv_registered,
        count(*) filter (where cv_within_14_days) as n_cv_within_14_days,
        sum(n_contact_conversations_3m) as n_contact_conversations_3m,
        count(*) filter (where transferred_410) as n_transferred_410,
        count(*) filter (where under25_rule_applies) as n_under25_rule,
        count(*) filter (where under25_rule_applies and under25_rule_followed) as n_under25_followed
    from members
    group by {{ indicator_grouping_sets(units) }}
)

select
    cast(month as date) as month,
    cast(level as varchar) as level,
    cast(unit_code as varchar) as unit_code,
    cast(n_members as bigint) as n_members,
    cast(n_cv_registered as bigint) as n_cv_registered,
    cast(n_cv_within_14_days as bigint) as n_cv_within_14_days,
    cast(n_contact_conversations_3m as bigint) as n_contact_conversations_3m,
    {{ safe_ratio('n_contact_conversations_3m', 'n_members') }} as avg_contact_conversations_3m,
    -- R-AK-9: on average at least two contact-course conversations in the first 3 months
    {{ safe_ratio('n_contact_conversations_3m', 'n_members') }} >= {{ var('akasse_min_contact_conversations') }}
        as meets_minimum_2,
    cast(n_transferred_410 as bigint) as n_transferred_410,
    cast(n_under25_rule as bigint) as n_under25_rule,
    cast(n_under25_followed as bigint) as n_under25_followed
from aggregated
