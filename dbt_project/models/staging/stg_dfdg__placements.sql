{{ config(materialized='view') }}
-- Placements (indplacering): each starts a spell (R-AK-2).
select
    *
from {{ source('raw', 'placements') }}
