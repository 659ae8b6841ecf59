"""The Contacts panel: the contacts carrying the selected label (model.py: the rows; panel.py: the dock)."""

from labeldesk.ui.contacts.model import ContactsModel, PageSource
from labeldesk.ui.contacts.panel import ContactsPanel

__all__ = ["ContactsModel", "ContactsPanel", "PageSource"]
