-- The delivered DFDG period: first and newest delivered month over every monthly dataset.
-- "Ongoing" spells, censoring (ltu label) and the joint-indicator months are relative to it
-- (docs/architecture.md, Shared definitions).
with months as (
    select min(conversation_month) as first_month, max(conversation_month) as newest_month
    from {{ ref('stg_dfdg__conversations') }}
    union all
    select min(paid_month), max(paid_month) from {{ ref('stg_dfdg__dagpenge_payments') }}
    union all
    select min({{ month_of('placement_date') }}), max({{ month_of('placement_date') }})
    from {{ ref('stg_dfdg__placements') }}
    union all
    select min({{ month_of('event_date') }}), max({{ month_of('event_date') }})
    from {{ ref('stg_dfdg__experiment_membership') }}
    union all
    select min({{ month_of('intake_date') }}), max({{ month_of('intake_date') }})
    from {{ ref('stg_dfdg__pilot_participation') }}
    union all
    select min({{ month_of('assessed_at') }}), max({{ month_of('assessed_at') }})
    from {{ ref('stg_dfdg__profile_assessments') }}
    union all
    select min({{ month_of('answered_at') }}), max({{ month_of('answered_at') }})
    from {{ ref('stg_dfdg__questionnaire_answers') }}
)
select
    min(first_month) as first_month,
    max(newest_month) as newest_month,
    last_day(max(newest_month)) as newest_month_end
from months
