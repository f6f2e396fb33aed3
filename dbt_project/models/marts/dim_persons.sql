-- Persons, pseudonymised (person_key = keyed hash of the CPR number, ltu_platform.pseudonym):
-- no CPR number leaves the raw layer (domain.md, Data protection).
select
    person_key,
    birth_date,
    sex,
    origin,
    first_seen_year
from {{ ref('stg_register__persons') }}
