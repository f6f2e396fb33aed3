"""Tests of the risk model (ml/) and its Dagster assets."""
