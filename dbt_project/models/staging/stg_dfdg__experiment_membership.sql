{{ config(materialized='view') }}
-- Experiment entries and exits (R-AK-1..3).
select
    *
from {{ source('raw', 'experiment_membership') }}
