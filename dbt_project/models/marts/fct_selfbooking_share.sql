{{ config(materialized='table') }}
-- R-BOOK-2 self-booking share and R-BOOK-3 traffic light, per calendar month of the
-- conversation date, by jobcentre (the holder, actor_code), a-kasse (the spell's) and nationally.
{%- set units = [['jobcenter', 'jobcenter_unit'], ['akasse', 'akasse_unit']] %}
with counted as (
    select
        conversation_month as month,
        actor_code as jobcenter_unit,
        akasse_code as akasse_unit,
        booking_method
    from {{ ref('fct_conversations') }}
    where counts_for_selfbooking
),

aggregated as (
    select
        month,
        {{ indicator_level_columns(units) }},
        count(*) filter (where booking_method = 'selvbooket') as n_selfbooked,
        count(*) filter (where booking_method = 'indkaldt') as n_summoned,
        count(*) as n_conversations
    from counted
    group by {{ indicator_grouping_sets(units) }}
),

shared as (
    select *, 100.0 * n_selfbooked / n_conversations as selfbooking_share_pct
    from aggregated
)

select
    cast(month as date) as month,
    cast(level as varchar) as level,
    cast(unit_code as varchar) as unit_code,
    cast(n_selfbooked as bigint) as n_selfbooked,
    cast(n_summoned as bigint) as n_summoned,
    cast(n_conversations as bigint) as n_conversations,
    cast(selfbooking_share_pct as double) as selfbooking_share_pct,
    -- R-BOOK-3: green above 75.0; yellow 60.0 to 75.0 inclusive; red below 60.0
    cast(case
        when selfbooking_share_pct > {{ var('traffic_light_green_above') }} then 'green'
        when selfbooking_share_pct >= {{ var('traffic_light_red_below') }} then 'yellow'
        else 'red'
    end as varchar) as traffic_light
from shared
