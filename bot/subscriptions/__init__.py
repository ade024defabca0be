"""Subscribing conversations to daily tips and weekly nudges, pausing, the settings card."""
