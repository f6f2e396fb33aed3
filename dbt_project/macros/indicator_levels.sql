{#-
  Indicator marts report every unit at several levels (docs/architecture.md, "Indicator marts"):
  national ('DK') plus one or more unit levels. One GROUPING SETS pass computes them all.
  `units` is a list of [level name, column holding the unit code as text].
-#}
{% macro indicator_grouping_sets(units, keys=['month']) -%}
grouping sets (
    {%- for level, column in units %}
    ({{ keys | join(', ') }}, {{ column }}),
    {%- endfor %}
    ({{ keys | join(', ') }})
)
{%- endmacro %}

{% macro indicator_level_columns(units) -%}
case
    {%- for level, column in units %}
    when grouping({{ column }}) = 0 then '{{ level }}'
    {%- endfor %}
    else 'national'
end as level,
coalesce({% for level, column in units %}{{ column }}, {% endfor %}'DK') as unit_code
{%- endmacro %}

{#- ratio = numerator / denominator, NULL when the denominator is 0. -#}
{% macro safe_ratio(numerator, denominator) -%}
(case when {{ denominator }} > 0 then cast({{ numerator }} as double) / {{ denominator }} end)
{%- endmacro %}
