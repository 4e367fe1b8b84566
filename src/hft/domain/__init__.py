"""Pure domain: values, aggregates, events and their rules. No I/O, no clock, no randomness."""
