{{ incremental_person_config() }}
-- depends_on: {{ ref('int_person_activity') }}
-- Every registered conversation with the spell it belongs to (docs/architecture.md,
-- "Conversation linked to a spell": same person, spell_start <= date <= coalesce(spell_end,
-- newest delivered month's last day)) and the clock at its date (macros/clock.sql).
-- Unlinked conversations keep a NULL spell_key: only linked ones enter indicators (R-AK-4).
with linked as (
    select
        c.conversation_id,
        c.person_key,
        c.conversation_date,
        c.conversation_month,
        c.conversation_type,
        c.held_by,
        c.actor_code,
        c.booking_method,
        c.walk_in,
        c.akasse_participation,
        c.registered_at,
        s.spell_key,
        s.spell_start,
        s.spell_end,
        s.akasse_code as spell_akasse_code,
        s.jobcenter_code as spell_jobcenter_code,
        c._partition,
        c._load_id,
        c._loaded_at
    from {{ ref('stg_dfdg__conversations') }} as c
    cross join {{ ref('int_delivery_period') }} as d
    left join {{ ref('int_spells') }} as s
        on s.person_key = c.person_key
       and c.conversation_date between s.spell_start and coalesce(s.spell_end, d.newest_month_end)
    where true {{ only_changed_persons('c.person_key') }}
),

clocked as (
    select
        linked.*,
        case when linked.spell_key is not null then {{ clock_hours('linked.conversation_date') }} end as clock_hours
    from linked
    {{ clock_join('linked.spell_key', 'linked.conversation_date') }}
),

measured as (
    select
        *,
        {{ hours_to_weeks('clock_hours') }} as clock_weeks,
        {{ hours_to_months('clock_hours') }} as clock_months,
        datediff('day', spell_start, conversation_date) as days_since_start,
        case conversation_type when 'faelles_1' then 1 when 'faelles_2' then 2 when 'faelles_3' then 3 end
            as joint_number
    from clocked
)

select
    *,
    -- R-JOINT-1: the rule's window for the k-th joint conversation (inclusive ends)
    case joint_number
        when 1 then {{ in_range('clock_weeks', var('joint_1_window_weeks')) }}
        when 2 then {{ in_range('clock_months', var('joint_2_window_months')) }}
        when 3 then clock_months <= {{ var('joint_3_max_months') }}
    end as in_rule_window,
    -- R-JOINT-4: the window in which it counts for the official indicator
    case joint_number
        when 1 then true
        when 2 then {{ in_range('clock_months', var('joint_2_counting_months')) }}
        when 3 then {{ in_range('clock_months', var('joint_3_counting_months')) }}
    end as in_counting_window,
    -- R-BOOK-2: job conversations, walk-ins and joint conversations left out
    spell_key is not null
        and conversation_type = 'job'
        and not walk_in
        and booking_method in ('selvbooket', 'indkaldt') as counts_for_selfbooking,
    -- R-AK-9: the a-kasse's own contact-course conversations
    held_by = 'akasse' and conversation_type in ('cv', 'raadighed', 'kontaktforloeb')
        as is_akasse_contact_conversation,
    -- R-AK-9: the first period (3 calendar months from the spell start, clamped to month end)
    conversation_date <= {{ add_months('spell_start', var('akasse_first_period_months')) }} as in_first_period,
    -- R-AK-5: within two weeks of the spell start (day 0)
    days_since_start <= {{ var('cv_within_days') }} as within_cv_days,
    {{ build_state_columns() }}
from measured
