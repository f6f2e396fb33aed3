{{ config(materialized='view') }}
-- Forberedelsesskema answers; the funds' own AK questions are flagged (R-PROF-3).
select
    *,
    question_code like 'AK%' as is_fund_question
from {{ source('raw', 'questionnaire_answers') }}
