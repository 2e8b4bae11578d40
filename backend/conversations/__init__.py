"""Chat with the bot: the relay to Rasa and the log of every turn for trainers."""
