"""Input channels of the bot.

Rasa imports this package when it loads credentials.yml, i.e. in every `rasa run` serving our
channels; that is where the action-response validation speed-up is installed.
"""

from channels import fast_action_validation

fast_action_validation.install()
