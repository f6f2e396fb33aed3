{{ config(materialized="view") }}
-- One row per person and paid calendar month (hours > 0): the input of spells and the clock.
-- A month without such a row is a month without payment (domain.md, Spell).
select
    person_key,
    paid_month,
    sum(hours) as hours,
    count(*) as n_payments,
    max(_loaded_at) as _loaded_at
from {{ ref('stg_dfdg__dagpenge_payments') }}
where hours > 0
group by person_key, paid_month
