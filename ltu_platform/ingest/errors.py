"""Errors of ingestion: every one names the file, the data row, the column and the rule."""

from __future__ import annotations


class DeliveryContractError(ValueError):
    """A delivery breaks its data contract so badly that none of its partition may load.

    ``row`` is the 1-based data row (header excluded); 0 means the file as a whole or its
    header. ``column`` is None when no single column is to blame (e.g. a zero-byte file).
    """

    def __init__(self, file: str, row: int, column: str | None, rule: str, message: str):
        self.file = file
        self.row = row
        self.column = column
        self.rule = rule
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return (
            f"{self.file}: row {self.row}, column {self.column or '-'}, rule {self.rule}: "
            f"{self.message}"
        )

    def __reduce__(self):  # keep the fields when pickled across processes (Dagster, xdist)
        return (type(self), (self.file, self.row, self.column, self.rule, self.message))


class IngestionFailed(RuntimeError):
    """Raised after a multi-partition load: the partitions that failed, each with its error."""

    def __init__(self, failures: list[tuple[str, str, Exception]]):
        self.failures = failures
        lines = [f"{len(failures)} partition(s) failed to load:"]
        lines += [f"  {dataset} {partition}: {error}" for dataset, partition, error in failures]
        super().__init__("\n".join(lines))

    def __reduce__(self):
        return (type(self), (self.failures,))
