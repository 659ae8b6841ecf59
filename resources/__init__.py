"""Icons and other files LabelDesk ships; installed as the package labeldesk.resources."""
