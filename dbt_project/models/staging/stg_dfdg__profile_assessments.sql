{{ config(materialized='view') }}
-- Registered profile-clarification results (R-PILOT-2).
select
    *
from {{ source('raw', 'profile_assessments') }}
