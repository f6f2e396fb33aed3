{{ config(materialized='view') }}
-- Pilot project intakes (R-PILOT-1..4).
select
    *
from {{ source('raw', 'pilot_participation') }}
