{{ config(materialized='view') }}
-- Yearly register status (as of 31 December).
select
    *
from {{ source('raw', 'person_year') }}
