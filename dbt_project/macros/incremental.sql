{#-
  Incremental facts (a new monthly delivery updates them without a full rebuild).

  The large per-person models are `delete+insert` on person_key: a run recomputes every row
  of the persons a delivery can change and leaves the others alone. A person can change when
    - any of their raw rows was loaded after this model's last build (new or re-delivered
      partitions), or
    - the newest delivered month moved on and one of their spells depended on it: a spell
      still paid in the newest month at the last build (ongoing: spell_end and the linking of
      conversations read the newest month), or a spell whose 364-day label horizon lay after
      it (censored; Label).
  Each model stores the state it was built at (_built_watermark, _built_newest_month_end) and
  compares with its own previous build, so a model that failed keeps its older state and
  catches up on the next run. A full refresh computes everything and gives the same rows
  (tests/dbt/test_incremental.py proves it). Rows removed by a corrected re-delivery need a
  full refresh (the person is no longer in the delivery to be recomputed).
-#}

{% macro incremental_person_config() -%}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='person_key',
          on_schema_change='fail') }}
{%- endmacro %}

{#- SQL of the persons to recompute; only valid inside `{% if is_incremental() %}`. -#}
{% macro changed_persons() -%}
select a.person_key
from {{ ref('int_person_activity') }} as a
cross join (
    select max(_built_watermark) as watermark, max(_built_newest_month_end) as newest_end
    from {{ this }}
) as built
where built.watermark is null
   or a.last_loaded_at > built.watermark
   or a.last_paid_month >= {{ month_of('built.newest_end') }}
   or a.last_placement_date > built.newest_end - {{ var('ltu_horizon_days') }}
{%- endmacro %}

{#- `and <column> in (changed persons)` on incremental runs, nothing on full builds. -#}
{% macro only_changed_persons(column) -%}
{%- if is_incremental() %}
    and {{ column }} in ({{ changed_persons() }})
{%- endif %}
{%- endmacro %}

{#- The state a row was built at (see above). -#}
{% macro build_state_columns() -%}
(select max(last_loaded_at) from {{ ref('int_person_activity') }}) as _built_watermark,
(select newest_month_end from {{ ref('int_delivery_period') }}) as _built_newest_month_end
{%- endmacro %}
