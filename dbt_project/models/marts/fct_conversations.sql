{{ incremental_person_config() }}
-- depends_on: {{ ref('int_person_activity') }}
-- One row per registered conversation, with its spell, the clock at its date and the windows
-- it counts for (R-JOINT-1, R-JOINT-4, R-BOOK-2, R-AK-5, R-AK-9). Unlinked conversations are
-- kept with is_linked = false for the quality gate; indicators use linked ones only.
select
    conversation_id,
    person_key,
    conversation_date,
    conversation_month,
    conversation_type,
    held_by,
    actor_code,
    booking_method,
    walk_in,
    akasse_participation,
    registered_at,
    spell_key,
    spell_key is not null as is_linked,
    spell_start,
    spell_end,
    spell_akasse_code as akasse_code,
    spell_jobcenter_code as jobcenter_code,
    days_since_start,
    clock_hours,
    clock_weeks,
    clock_months,
    joint_number,
    in_rule_window,
    in_counting_window,
    counts_for_selfbooking,
    is_akasse_contact_conversation,
    in_first_period,
    within_cv_days,
    _partition,
    _load_id,
    {{ build_state_columns() }}
from {{ ref('int_conversations_linked') }}
where true {{ only_changed_persons('person_key') }}
