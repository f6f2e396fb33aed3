{{ config(materialized='view') }}
-- Monthly dagpenge payments in hours: the clock's input (R-AK-6).
select
    *,
    -- payment_month is the first day of the month paid for; normalise in case a day slipped in
    cast(date_trunc('month', payment_month) as date) as paid_month
from {{ source('raw', 'dagpenge_payments') }}
