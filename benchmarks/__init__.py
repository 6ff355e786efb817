"""Benchmarks: ``python -m benchmarks`` prints one table of measurements with ratios against baselines
measured in the same run. See docs/performance.md."""
