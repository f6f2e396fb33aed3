"""Publication for evaluators: suppressed aggregates, evaluations and a report, versioned.

``publication.publish`` builds one whole version under ``$LTU_PUBLISHED_DIR/<version>/``;
``suppression`` protects small cells; ``evaluation`` holds the experiment, pilot and model
evaluations; ``report`` renders the static HTML report.
"""
