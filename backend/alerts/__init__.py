"""Emergency alerts (应急发布) to the residents of chosen streets, ahead of every routine message."""
