"""Sample strategies shipped with hft: a market maker and the benchmark workload."""
