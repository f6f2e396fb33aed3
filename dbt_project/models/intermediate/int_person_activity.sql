{{ config(materialized='view') }}
-- Per person: when their raw rows last changed, their last paid month and their last
-- placement. The incremental models (macros/incremental.sql) use it to find the persons whose
-- facts a new delivery can change. A corrected re-delivery that withdraws a person's rows
-- leaves no newer row of theirs: raw.person_removals records when it happened.
{%- set removals = source('ingestion', 'person_removals') %}
{#- a raw layer written before the ingestion kept removals has none to report -#}
{%- set has_removals = not execute or load_relation(removals) is not none %}
with loaded as (
    {%- for model in ['stg_dfdg__conversations', 'stg_dfdg__dagpenge_payments', 'stg_dfdg__placements',
                      'stg_dfdg__experiment_membership', 'stg_dfdg__pilot_participation',
                      'stg_dfdg__profile_assessments', 'stg_dfdg__questionnaire_answers',
                      'stg_register__persons', 'stg_register__person_year',
                      'stg_register__income_support_periods'] %}
    select person_key, _loaded_at from {{ ref(model) }}
    union all
    {%- endfor %}
    {%- if has_removals %}
    select person_key, _loaded_at from {{ removals }}
    {%- else %}
    select null::varchar as person_key, null::timestamp as _loaded_at where false
    {%- endif %}
),

paid as (
    select person_key, max(paid_month) as last_paid_month
    from {{ ref('int_paid_months') }}
    group by person_key
),

placed as (
    select person_key, max(placement_date) as last_placement_date
    from {{ ref('stg_dfdg__placements') }}
    group by person_key
)

select l.person_key, max(l._loaded_at) as last_loaded_at, any_value(p.last_paid_month) as last_paid_month,
       any_value(pl.last_placement_date) as last_placement_date
from loaded as l
left join paid as p using (person_key)
left join placed as pl using (person_key)
group by l.person_key
