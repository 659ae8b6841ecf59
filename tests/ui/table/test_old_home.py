"""labeldesk.ui.models is now a shim over labeldesk.ui.table and labeldesk.index: what was imported
from it still is, and its batch helpers are the table's."""

from __future__ import annotations

from labeldesk import index
from labeldesk.ui import models
from labeldesk.ui.table import columns, model, pacing


def test_every_name_the_app_imports_from_the_old_module_is_still_there():
    # (the controller, the window, the benchmark and the tests import these from labeldesk.ui.models)
    assert models.LabelBatch is index.LabelBatch and models.presorted_batch is index.presorted_batch
    assert models.sort_name is index.sort_name and models.SortSpec == index.SortSpec
    assert models.Column is columns.Column is index.Column
    assert models.Role is columns.Role and models.TypeFilter is columns.TypeFilter
    assert models.format_when is columns.format_when and callable(models.never_fatal)
    assert models.LabelTableModel is model.LabelTableModel


def test_the_old_modules_batch_helpers_are_the_tables():
    assert models.prepare_batch is pacing.prepare_batch is index.prepare_batch
    assert models.ordered_keys is pacing.ordered_keys and models.search_texts is pacing.search_texts
