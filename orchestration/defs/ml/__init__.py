"""The risk model's Dagster assets and the MLflow resource (loaded by load_from_defs_folder)."""
