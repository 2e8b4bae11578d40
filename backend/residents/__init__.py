"""Residents: WeChat identity and profile."""
