"""The WeChat official account (公众号): its webhook, the bot behind it and the 5-second rule."""
