"""Contact import: vCard and CSV files read into a previewable plan, then applied at once."""

from .plan import (
    FORMATS,
    ImportPlan,
    RowPlan,
    apply_plan,
    import_file,
    keep_separate,
    plan_import,
    read_import_file,
)

__all__ = ["FORMATS", "ImportPlan", "RowPlan", "apply_plan", "import_file", "keep_separate", "plan_import",
           "read_import_file"]
