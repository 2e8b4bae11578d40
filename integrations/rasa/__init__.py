"""The Rasa server: chat turns through our channel, and /model/parse for classification."""

from integrations.rasa.client import RasaClient, RasaTurn, RasaUnavailable, get_client

__all__ = ["RasaClient", "RasaTurn", "RasaUnavailable", "get_client"]
