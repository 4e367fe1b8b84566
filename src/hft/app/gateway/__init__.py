"""The order/risk gateway: a bounded channel in front of the 7-step pipeline."""
