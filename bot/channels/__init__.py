"""Input channels of the bot."""
