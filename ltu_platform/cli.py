"""The ``ltu`` command: simulate data, ingest it, run the whole platform, say where things are.

Heavy libraries (Dagster, the simulator, MLflow) are imported inside the commands so that
``ltu --help`` answers at once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ltu_platform.settings import load_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """ltu-platform: contact courses (kontaktforløb) and the risk of long-term unemployment."""


@main.command()
@click.option("--scale", type=click.Choice(["test", "demo", "national"]), default="demo", show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--out", "landing", type=click.Path(path_type=Path), default=None,
              help="Landing zone to write (default: the configured landing zone).")
@click.option("--truth-out", "truth", type=click.Path(path_type=Path), default=None,
              help="Where the ground truth goes, apart from the landing zone.")
@click.option("--defects", type=click.Choice(["clean", "default"]), default="default", show_default=True,
              help="Inject registration defects at the configured rates, or none.")
@click.option("--spells-per-year", type=int, default=None, help="Override the scale's volume.")
@click.option("--format", "file_format", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True)
@click.option("--if-missing", is_flag=True, help="Do nothing when this scale and seed were already generated.")
def simulate(scale, seed, landing, truth, defects, spells_per_year, file_format, if_missing) -> None:
    """Generate a deterministic landing zone of registers and DFDG deliveries, with its truth."""
    from ltu_sim import simulate as run_simulation

    settings = load_settings()
    landing = landing or Path(settings.landing_url)
    truth = truth or settings.truth_dir
    marker = truth / "manifest.json"
    if if_missing and marker.exists():
        previous = json.loads(marker.read_text())
        if previous.get("scale") == scale and previous.get("seed") == seed:
            click.echo(f"Simulation {scale}/seed {seed} already in {landing}; skipping.")
            return
    manifest = run_simulation(
        landing_dir=landing, truth_dir=truth, scale=scale, seed=seed, defects=defects,
        spells_per_year=spells_per_year, file_format=file_format, progress=True,
    )
    click.echo(f"Landing zone: {landing}\nGround truth: {truth}\n"
               f"Files: {len(manifest.get('files', []))}")


@main.command()
def ingest() -> None:
    """Load every delivery of the landing zone into the warehouse's raw layer (no Dagster)."""
    from ltu_platform.ingest import ingest_all

    settings = load_settings()
    reports = ingest_all(settings.warehouse_path, settings.landing_url, progress=True)
    loaded = sum(r.rows_loaded for r in reports)
    quarantined = sum(r.rows_quarantined for r in reports)
    click.echo(f"{len(reports)} deliveries: {loaded:,} rows loaded, {quarantined:,} quarantined.")


@main.command()
@click.option("--with-mlflow-server", is_flag=True,
              help="Start the MLflow tracking server for the run and stop it afterwards.")
def run(with_mlflow_server: bool) -> None:
    """Materialize every asset through Dagster: ingestion, dbt, quality gate, model, publication."""
    from ltu_platform.runner import materialize_everything

    ok = materialize_everything(with_mlflow_server=with_mlflow_server)
    sys.exit(0 if ok else 1)


@main.command()
def where() -> None:
    """Print where the warehouse, landing zone, publications and MLflow store are."""
    s = load_settings()
    latest = s.published_dir / "latest"
    report = None
    if latest.exists():
        version_dir = s.published_dir / latest.read_text().strip()
        candidates = sorted(version_dir.glob("*.html"))
        report = candidates[0] if candidates else None
    lines = [
        ("Data directory", s.data_dir),
        ("Landing zone", s.landing_url),
        ("Ground truth (simulator)", s.truth_dir),
        ("Warehouse (DuckDB)", s.warehouse_path),
        ("Published outputs", s.published_dir),
        ("Evaluation report", report or "(not published yet)"),
        ("MLflow store", f"{s.mlflow_dir} (SQLite backend + artifacts)"),
        ("Dagster home", s.dagster_home),
    ]
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        click.echo(f"{key:<{width}}  {value}")
    click.echo("\nOpen the UIs with `make ui`: Dagster on http://127.0.0.1:3000, "
               "MLflow on http://127.0.0.1:5000.\n"
               f"Evaluators open the warehouse read-only: duckdb -readonly {s.warehouse_path}")


if __name__ == "__main__":
    main()
