"""The sync engine: the site's client, paging, decoding and the saved copy's writes, behind one wire."""
