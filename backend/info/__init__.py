"""Convenience information (便民信息): street notices, weather, transit and health facilities, and the
mini-program's home feed that gathers them."""
