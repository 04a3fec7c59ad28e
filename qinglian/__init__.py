"""Qinglian (清链): evidence analysis and chain tracing against harassing loan-intermediary marketing."""

__version__ = "0.1.0"
