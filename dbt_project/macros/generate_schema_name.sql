{#- Use the configured schema name as is (staging, intermediate, marts, reference), not
    dbt's default "<target schema>_<custom>", so the warehouse has the schemas named in
    docs/architecture.md. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
