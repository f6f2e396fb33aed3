-- The 94 jobcentres: a jobcentre is named by the kommunekode of the municipality it sits in
-- and serves one or more municipalities (seed municipalities.jobcenter_code).
select
    m.jobcenter_code,
    any_value(m.municipality_name) filter (where m.municipality_code = m.jobcenter_code) as jobcenter_name,
    any_value(m.region_code) filter (where m.municipality_code = m.jobcenter_code) as region_code,
    count(*) as n_municipalities,
    list(m.municipality_code order by m.municipality_code) as municipality_codes
from {{ ref('municipalities') }} as m
group by m.jobcenter_code
