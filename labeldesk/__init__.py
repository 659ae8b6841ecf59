"""LabelDesk: manage a Wix site's contact labels from the desktop."""

__version__ = "0.1.0"
