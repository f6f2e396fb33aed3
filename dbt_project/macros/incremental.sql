{#-
  Incremental facts (a new monthly delivery updates them without a full rebuild).

  The large per-person models replace every row of the persons a delivery can change and
  leave the others alone. A person can change when
    - any of their raw rows was loaded after this model's last build (new or re-delivered
      partitions), or a re-delivery withdrew rows of theirs (raw.person_removals: a
      corrected delivery removes a conversation or moves a row to another person), or
    - the newest delivered month moved on and one of their spells depended on it: a spell
      still paid in the newest month at the last build (ongoing: spell_end and the linking of
      conversations read the newest month), or a spell whose 364-day label horizon lay after
      it (censored; Label); if the newest month moved back (a corrected delivery withdrew
      it), every person is recomputed.
  Each model stores the state it was built at (_built_watermark, _built_newest_month_end) and
  compares with its own previous build, so a model that failed keeps its older state and
  catches up on the next run. The strategy `replace_changed_persons` deletes the changed
  persons' rows before inserting their new ones, so a person left with no rows (a withdrawn
  only conversation) loses the old ones too; dbt's delete+insert would delete only the keys
  of the new rows. A full refresh computes everything and gives the same rows
  (tests/dbt/test_incremental.py, and tests/dbt/test_corrected_delivery.py for corrections).
-#}

{% macro incremental_person_config() -%}
{{ config(materialized='incremental', incremental_strategy='replace_changed_persons',
          unique_key='person_key', on_schema_change='fail') }}
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
   or (select newest_month_end from {{ ref('int_delivery_period') }}) < built.newest_end
{%- endmacro %}

{#- The incremental strategy of the per-person models (see above): the changed persons are
    computed against the target's previous build state, before the insert changes it. -#}
{% macro get_incremental_replace_changed_persons_sql(arg_dict) -%}
{%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
delete from {{ arg_dict['target_relation'] }}
where {{ arg_dict['unique_key'] }} in ({{ changed_persons() }});

insert into {{ arg_dict['target_relation'] }} ({{ columns }})
select {{ columns }} from {{ arg_dict['temp_relation'] }}
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
