{{ config(materialized='view') }}
-- Income support other than dagpenge (R-PILOT-1).
select
    *
from {{ source('raw', 'income_support_periods') }}
