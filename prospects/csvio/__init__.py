"""CSV import and export of the league tables, one file per table, in one documented schema.

See docs/csv-schema.md. Import validates every row of every file before it
writes anything, and then loads them all in the caller's transaction.
"""

from prospects.csvio.errors import CsvError, CsvValidationError
from prospects.csvio.export import export_csv
from prospects.csvio.load import import_csv
from prospects.csvio.schema import FILES
from prospects.csvio.upsert import MODES, TableCounts

__all__ = [
    "FILES",
    "MODES",
    "CsvError",
    "CsvValidationError",
    "TableCounts",
    "export_csv",
    "import_csv",
]
