"""Adapters to the outside world: WeChat, Rasa, data providers."""
