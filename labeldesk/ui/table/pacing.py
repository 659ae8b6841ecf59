"""The size thresholds that pick between ways of applying a change to the table, and the label
index's helpers as the table uses them.

The network and the saved copy's writes run in the sync engine's own process, so no worker in
this one takes turns with the GUI thread for long: the index's loops run without pauses.
"""

from __future__ import annotations

from labeldesk import index

#: Past this many differences a refresh is applied as one layout change instead of row by row.
#: A change applied row by row costs time in proportion to the table (finding its rows, moving it),
#: and so does one layout change (with the order sorted by the worker), so the break-even is a
#: number of changes whatever the size (measured; the benchmark shows it).
BULK_CHANGES = 30
#: ...but a refresh that comes without an order (writes merged into it) would have a big table
#: sorted on the GUI thread: up to this many changes go row by row instead.
ROW_BY_ROW_WITHOUT_ORDER = 200
#: From this many labels on, whole-table work is done on a worker thread: a new order (a header
#: click; new contact counts while sorted by them), while the rows keep their old order until it is
#: ready, and the near-duplicate index, while a name dialog says it is checking. Below it, doing it
#: on the GUI thread is quicker than a trip to a worker and back.
BACKGROUND_SORT_FROM = 10_000


#: The table's batches, sorts and texts go through these names (tests record them here).
prepare_batch = index.prepare_batch
ordered_keys = index.ordered_keys
search_texts = index.search_texts
texts_in_order = index.texts_in_order
