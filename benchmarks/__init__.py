"""Benchmarks of cdk8s-flux: each compares our code with a baseline in the same run."""
