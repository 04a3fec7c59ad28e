"""Readers turn one evidence file into sheets of string columns with their row numbers."""
