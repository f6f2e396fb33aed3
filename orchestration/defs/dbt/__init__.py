"""The dbt project as Dagster assets: models, seeds, dbt tests as asset checks."""
