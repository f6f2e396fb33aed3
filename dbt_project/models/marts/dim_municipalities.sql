-- The 98 municipalities with their jobcentre and whether they are in the a-kasse experiment (R-AK-1).
select
    m.municipality_code,
    m.municipality_name,
    m.region_code,
    m.region_name,
    m.jobcenter_code,
    list_contains({{ var('experiment_municipalities') }}, m.municipality_code) as in_experiment
from {{ ref('municipalities') }} as m
