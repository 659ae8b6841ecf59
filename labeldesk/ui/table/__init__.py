"""The labels table: a model over domain Labels that searches, filters and sorts in bulk.

- ``columns``: the columns, the model's roles, the type filter, what each cell says;
- ``rows``, ``sorting``, ``model``: the table model in three layers (what is shown; new orders;
  changes to the labels), ``model.LabelTableModel`` the one the window uses;
- ``pacing``: the size thresholds that pick how a change is applied, and what goes to a worker.
The order and the search texts come from labeldesk.index, which is Qt-free.

Why the model does the sorting and filtering itself: a QSortFilterProxyModel sorts and filters by
calling ``data()`` once per comparison and ``filterAcceptsRow()`` once per row, and each of those is a
call from C++ into Python: seconds per sort and a long keystroke on the GUI thread at 100,000 labels.
Here the same work is a handful of Python list operations over precomputed keys, and the view is
told with one layout change.

Nor is there a proxy model between this model and the table: the view asks it directly. Even one
that only passed rows through cost the paint calls into Python: to map a cell to the model,
QSortFilterProxyModel asks the model's (Python) ``index()``, ``rowCount()`` and ``columnCount()``, or a
Python ``flags()`` in their place. Each such call waits for the interpreter lock, which a worker
thread may hold. The table's cells call into Python once each (``multiData``), and ``flags()`` is
QAbstractTableModel's own, in C++ (enabled, selectable, no children).
"""
