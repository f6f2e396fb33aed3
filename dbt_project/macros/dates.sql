{#- Age in whole years on a date (domain.md "Precise boundaries": age is whole years on the
    spell start; the birthday itself counts, so a person is 25 on the 25th birthday). -#}
{% macro age_in_years(birth_date, at_date) -%}
(year({{ at_date }}) - year({{ birth_date }})
    - case when strftime({{ at_date }}, '%m-%d') < strftime({{ birth_date }}, '%m-%d') then 1 else 0 end)
{%- endmacro %}

{#- First day of a date's calendar month, as DATE (DuckDB's date_trunc returns TIMESTAMP). -#}
{% macro month_of(d) -%}
cast(date_trunc('month', {{ d }}) as date)
{%- endmacro %}

{#- date + n calendar months, clamped to the month end (as DuckDB and pandas DateOffset do). -#}
{% macro add_months(d, n) -%}
cast({{ d }} + to_months({{ n }}) as date)
{%- endmacro %}
