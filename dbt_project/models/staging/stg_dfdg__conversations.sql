{{ config(materialized='view') }}
-- Registered conversations (R-AK-4); one row per conversation_id.
select
    *,
    cast(date_trunc('month', conversation_date) as date) as conversation_month
from {{ source('raw', 'conversations') }}
