-- The a-kasser and whether they run the contact course in the experiment (R-AK-1).
select akasse_code, akasse_name, in_experiment
from {{ ref('akasser') }}
