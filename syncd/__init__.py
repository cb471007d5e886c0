"""syncd: follow-up reminders in your own calendar, from your mail and meetings."""

__version__ = "0.1.0"
