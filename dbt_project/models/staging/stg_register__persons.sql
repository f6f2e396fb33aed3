{{ config(materialized='view') }}
-- Person register: fixed background.
select
    *
from {{ source('raw', 'persons') }}
