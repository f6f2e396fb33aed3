"""Monthly ingestion: load the newest delivered DFDG month.

DFDG months arrive after the month closes; the schedule runs on the 10th and requests the
newest month the landing-zone sensor has registered. When that is not the month just closed,
the delivery is late, and the schedule says so instead of loading an old month again.
"""


import dagster as dg

from orchestration.defs.ingestion.jobs import ingest_job
from orchestration.defs.ingestion.partitions import DFDG_MONTHS

SCHEDULE_CRON = "0 6 10 * *"  # 06:00 on the 10th, Copenhagen time


def previous_month(year: int, month: int) -> str:
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


@dg.schedule(
    name="monthly_ingestion_schedule",
    cron_schedule=SCHEDULE_CRON,
    execution_timezone="Europe/Copenhagen",
    job=ingest_job,
    description="Loads the newest delivered DFDG month into the raw layer.",
    owners=["team:ltu-data"],
)
def monthly_ingestion_schedule(context: dg.ScheduleEvaluationContext):
    months = sorted(context.instance.get_dynamic_partitions(DFDG_MONTHS.name))
    tick = context.scheduled_execution_time
    expected = previous_month(tick.year, tick.month)
    if not months or months[-1] < expected:
        return dg.SkipReason(
            f"DFDG month {expected} is not delivered yet (newest registered: {months[-1] if months else 'none'})"
        )
    newest = months[-1]
    return dg.RunRequest(run_key=f"monthly:{newest}", partition_key=newest)


defs = dg.Definitions(schedules=[monthly_ingestion_schedule])
