-- R-JOINT-3 a-kasse participation in registered 2nd and 3rd joint conversations, per month
-- of the conversation date, by jobcentre (actor_code), a-kasse (the spell's) and nationally.
-- A conversation where the citizen declined (frabedt, R-JOINT-2) stays in the denominator.
{%- set units = [['jobcenter', 'jobcenter_unit'], ['akasse', 'akasse_unit']] %}
with registered as (
    select
        conversation_month as month,
        joint_number,
        actor_code as jobcenter_unit,
        akasse_code as akasse_unit,
        akasse_participation
    from {{ ref('fct_conversations') }}
    where is_linked and joint_number in (2, 3)
),

aggregated as (
    select
        month,
        joint_number,
        {{ indicator_level_columns(units) }},
        count(*) as n_registered,
        count(*) filter (where akasse_participation = 'deltog') as n_participated,
        count(*) filter (where akasse_participation = 'frabedt') as n_declined_by_citizen,
        count(*) filter (where akasse_participation = 'deltog_ikke') as n_not_participated,
        count(*) filter (where akasse_participation is null) as n_missing
    from registered
    group by {{ indicator_grouping_sets(units, keys=['month', 'joint_number']) }}
)

select
    cast(month as date) as month,
    cast(level as varchar) as level,
    cast(unit_code as varchar) as unit_code,
    cast(joint_number as integer) as joint_number,
    cast(n_registered as bigint) as n_registered,
    cast(n_participated as bigint) as n_participated,
    cast(n_declined_by_citizen as bigint) as n_declined_by_citizen,
    cast(n_not_participated as bigint) as n_not_participated,
    cast(n_missing as bigint) as n_missing,
    {{ safe_ratio('n_participated', 'n_registered') }} as participation_rate
from aggregated
