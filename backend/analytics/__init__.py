"""Metrics over petitions: 响应率, 解决率, 满意率, on-time closure, return rate."""
